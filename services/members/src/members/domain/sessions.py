"""Sessions: rotating refresh tokens and the login throttle, as pure rules.

Refresh tokens are opaque random strings; only their SHA-256 is stored (they
carry 256 bits of entropy, so a fast hash is enough: nothing to brute-force).
Each login starts a *family*; every refresh retires the presented token and
hands out its successor. A retired token presented again means two parties
hold the family (a leak): the whole family is revoked (OAuth 2.0 Security
BCP, refresh token rotation with reuse detection).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RefreshStatus(StrEnum):
    ACTIVE = "active"
    ROTATED = "rotated"  # exchanged for a successor: presenting it again is reuse
    REVOKED = "revoked"  # logout, password change, reuse detected, erasure


class RefreshOutcome(StrEnum):
    ROTATE = "rotate"
    REUSE = "reuse"
    INVALID = "invalid"


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def refresh_outcome(status: RefreshStatus, expires_at: datetime, now: datetime) -> RefreshOutcome:
    if status is RefreshStatus.ROTATED:
        return RefreshOutcome.REUSE
    if status is RefreshStatus.REVOKED or expires_at <= now:
        return RefreshOutcome.INVALID
    return RefreshOutcome.ROTATE


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most ``max_failures`` password checks per account per window; the
    next attempt locks the account's logins for ``lockout_seconds``.

    Every attempt is counted *before* the password is checked (and forgotten
    after a success), so parallel guesses cannot slip through between a check
    and its count, and a locked account costs no hashing at all.
    """

    max_failures: int
    window_seconds: int
    lockout_seconds: int

    def window_start(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.window_seconds)

    def exceeded(self, attempts_in_window: int) -> bool:
        return attempts_in_window > self.max_failures

    def lock_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.lockout_seconds)

    @staticmethod
    def retry_after(locked_until: datetime | None, now: datetime) -> int | None:
        """Seconds to wait (for ``Retry-After``), or None when not locked."""
        if locked_until is None or locked_until <= now:
            return None
        return max(1, math.ceil((locked_until - now).total_seconds()))


def throttle_key(email: str) -> str:
    """The throttle is keyed by a hash of the address: unknown addresses are
    throttled exactly like known ones (no account oracle), and the collection
    holds no e-mail address to erase."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
