"""Time, injected: the voting window is enforced against ``Clock.now()``.

The service runs on the shared ``SystemClock``. Tests (and rehearsals of an
assembly) pass a ``FixedClock`` to ``create_app`` and move it explicitly, so
every window rule is exercised without sleeping; the voting-deadlines job
reads the same clock.
"""

from __future__ import annotations

from datetime import datetime

from coop_shared.clock import Clock, SystemClock
from coop_shared.clock import FakeClock as FixedClock

__all__ = ["Clock", "FixedClock", "SystemClock", "to_millis"]


def to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds: cut the rest so what we answer is what we stored."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
