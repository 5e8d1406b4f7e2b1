"""Argon2id password hashing, off the event loop.

Hashing is deliberately slow and memory-hard (tens of milliseconds, 64 MiB by
default): run inline it would freeze every other request of the process, so
each call goes to a worker thread (argon2-cffi releases the GIL).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from prometheus_client import Counter

PASSWORD_HASH_OPERATIONS = Counter(
    "coop_members_password_hash_operations_total",
    "Argon2id computations (hash or verify): the work the login throttle saves.", ["operation"],
)


@dataclass
class PasswordHasher:
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4
    _argon2: Argon2Hasher = field(init=False, repr=False)
    _dummy: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._argon2 = Argon2Hasher(time_cost=self.time_cost, memory_cost=self.memory_kib,
                                    parallelism=self.parallelism, type=Type.ID)

    async def hash(self, password: str) -> str:
        PASSWORD_HASH_OPERATIONS.labels("hash").inc()
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches. With no stored hash (unknown
        account) a dummy hash is checked anyway, so the answer takes as long
        either way and timing does not reveal which e-mails have accounts."""
        PASSWORD_HASH_OPERATIONS.labels("verify").inc()
        if stored_hash is None:
            if self._dummy is None:
                self._dummy = await asyncio.to_thread(self._argon2.hash, "placeholder for unknown accounts")
            await self._check(self._dummy, password)
            return False
        return await self._check(stored_hash, password)

    async def _check(self, stored_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._argon2.verify, stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than today's."""
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
