"""Time, injected: the voting window is enforced against ``Clock.now()``.

The service runs on ``SystemClock``. Tests (and rehearsals of an assembly)
pass a ``FixedClock`` to ``create_app`` and move it explicitly, so every
window rule is exercised without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds: cut the rest so what we answer is what we stored."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
