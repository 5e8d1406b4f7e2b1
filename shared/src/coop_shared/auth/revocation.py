"""Refusing access tokens older than their member's current ``token_version``.

The members service bumps a member's version when a role changes, on erasure,
on "log out everywhere" and on a password change, and publishes
``members.member.token_version_changed.v1``. Every service keeps the versions
it learned in its own database (collection ``token_versions``) and in memory:
checking a token is a dictionary lookup, never a call to members. Replicas of
one service share a queue (only one of them receives an event), so each
replica also re-reads the versions changed recently every ``poll_seconds``;
a revocation takes effect everywhere within a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.auth.principal import Principal, Role
from coop_shared.clock import wall_time
from coop_shared.contracts.members import TokenVersionChanged
from coop_shared.messaging.consumer import Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import IndexSpec

log = get_logger("auth.revocation")

TOKEN_VERSIONS = "token_versions"
TOKEN_VERSION_INDEXES = [IndexSpec(TOKEN_VERSIONS, [("updated_at", 1)], "token_versions_by_update")]
EVENT_TYPE = TokenVersionChanged.event_type
_PEOPLE = frozenset({Role.MEMBER, Role.ADVISOR, Role.ADMIN})
# Re-read a little further back than the last poll: a write committed just
# before the previous read may carry an earlier timestamp than that read.
_OVERLAP = timedelta(seconds=5)


class TokenVersions:
    """Per member, the smallest ``token_version`` still accepted (in memory,
    fed by the service's own store)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]] | None = None, *, poll_seconds: float = 2.0) -> None:
        self._db = db
        self._poll = poll_seconds
        self._current: dict[str, int] = {}
        self._since: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def current(self, member_id: str) -> int:
        return self._current.get(member_id, 0)

    def learn(self, member_id: str, version: int) -> None:
        if version > self._current.get(member_id, 0):
            self._current[member_id] = version

    def accepts(self, principal: Principal) -> bool:
        """Partner tokens carry no member version: only people's tokens are checked."""
        return principal.role not in _PEOPLE or principal.token_version >= self.current(principal.id)

    async def record(self, member_id: str, version: int) -> None:
        """Store a version learned from an event, then use it."""
        await self.store(member_id, version)
        self.learn(member_id, version)

    async def store(self, member_id: str, version: int, session: AsyncClientSession | None = None) -> None:
        """Write a version (monotonic: an older event never lowers it). Inside a
        transaction, call :meth:`learn` only once it committed."""
        if self._db is None:
            return
        await self._db[TOKEN_VERSIONS].update_one(
            {"_id": member_id},
            {"$max": {"version": version}, "$set": {"updated_at": wall_time()}},
            upsert=True, session=session)

    async def refresh(self) -> int:
        """Load what changed since the last read (everything the first time)."""
        if self._db is None:
            return 0
        started = wall_time()
        query: dict[str, Any] = {} if self._since is None else {"updated_at": {"$gte": self._since - _OVERLAP}}
        seen = 0
        async for doc in self._db[TOKEN_VERSIONS].find(query, {"version": 1}):
            self.learn(str(doc["_id"]), int(doc["version"]))
            seen += 1
        self._since = started
        return seen

    def start(self) -> None:
        if self._db is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="token-versions-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll)
            try:
                await self.refresh()
            except Exception as exc:  # the database is away: keep what we know, try again
                log.warning("token_versions_refresh_failed", error=str(exc)[:300])


def token_version_handler(versions: TokenVersions) -> Handler:
    """Consumer of ``members.member.token_version_changed.v1`` (idempotent: ``$max``)."""

    async def handle(envelope: Envelope) -> None:
        event = TokenVersionChanged.model_validate(envelope.data)
        await versions.record(event.member_id, event.token_version)
        log.info("token_version_learned", member_id=event.member_id, token_version=event.token_version,
                 reason=event.reason)

    return handle
