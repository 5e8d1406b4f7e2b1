"""What the use cases work with: repositories, the password hasher, the
signing key, the clock, and the transaction + outbox of the runtime.

Built once at start-up (``members.main``) or by the CLI, and handed to the
use cases, which never reach for globals.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import Clock, SystemClock, to_millis
from coop_shared.messaging.envelope import EventPayload
from coop_shared.service import Runtime
from members.adapters.activities import ActivityRepository
from members.adapters.members import MemberRepository
from members.adapters.passwords import PasswordHasher
from members.adapters.register import ShareRegisterRepository
from members.adapters.sessions import LoginAttemptRepository, RefreshTokenRepository
from members.config import MembersSettings
from members.domain.sessions import ThrottlePolicy

T = TypeVar("T")


@dataclass
class Context:
    runtime: Runtime
    settings: MembersSettings
    passwords: PasswordHasher
    signing_key: SigningKey
    members: MemberRepository = field(init=False)
    refresh_tokens: RefreshTokenRepository = field(init=False)
    login_attempts: LoginAttemptRepository = field(init=False)
    register: ShareRegisterRepository = field(init=False)
    activities: ActivityRepository = field(init=False)
    token_versions: TokenVersions = field(init=False)
    # The service's clock (aware UTC; "today" is the day in the cooperative's zone).
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        db = self.runtime.db
        self.members = MemberRepository(db)
        self.refresh_tokens = RefreshTokenRepository(db)
        self.login_attempts = LoginAttemptRepository(db)
        self.register = ShareRegisterRepository(db)
        self.activities = ActivityRepository(db)
        # The app's own (checked by every request); a fresh one for the command line.
        self.token_versions = self.runtime.token_versions or TokenVersions(db)

    @classmethod
    def create(cls, runtime: Runtime, settings: MembersSettings, signing_key: SigningKey) -> Context:
        hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
        return cls(runtime=runtime, settings=settings, passwords=hasher, signing_key=signing_key,
                   clock=runtime.clock)

    @classmethod
    def with_repositories(cls, runtime: Runtime, settings: MembersSettings, signing_key: SigningKey, *,
                          members: MemberRepository | None = None,
                          register: ShareRegisterRepository | None = None,
                          activities: ActivityRepository | None = None) -> Context:
        """The context ``create`` builds, with the given repositories in place of the MongoDB ones (unit
        tests give in-memory fakes)."""
        ctx = cls.create(runtime, settings, signing_key)
        if members is not None:
            ctx.members = members
        if register is not None:
            ctx.register = register
        if activities is not None:
            ctx.activities = activities
        return ctx

    @property
    def throttle(self) -> ThrottlePolicy:
        s = self.settings
        return ThrottlePolicy(s.login_max_failures, s.login_failure_window_seconds, s.login_lockout_seconds)

    def password_fingerprint(self, password: str) -> str:
        """Keyed digest of a password, to tell two request bodies apart (never
        to check a password): worthless without the signing key, unlike a bare hash."""
        secret = hashlib.sha256(b"password-fingerprint:" + self.signing_key.to_pem().encode()).digest()
        return hmac.new(secret, password.encode(), hashlib.sha256).hexdigest()

    def now(self) -> datetime:
        # Millisecond precision: what MongoDB stores, so a value read back compares equal.
        return to_millis(self.clock.now())

    def today(self) -> date:
        return self.clock.today()

    async def commit(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """State change and its events in one transaction (the outbox pattern)."""
        result: T = await self.runtime.commit(work)
        return result

    async def emit(self, payloads: Sequence[tuple[EventPayload, str]], session: AsyncClientSession) -> None:
        """Queue events (payload, subject) in the outbox, inside the caller's transaction."""
        await self.runtime.outbox.add([self.runtime.event(p, subject=s) for p, s in payloads], session=session)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built (``members.bootstrap.build_context``)."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the members context is not built yet (the app has not started)")
    return context
