"""The service's notion of "today": the calendar day in Brussels, from the shared clock.

An invoice's date, due date, the validity of a quote and good standing are
days in Belgium, not in UTC. ``FixedClock`` stops the calendar on a day
(``Context.clock`` in tests); the scheduled jobs read the clock they
are given (``coop_shared.clock``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from coop_shared.clock import Clock, SystemClock, wall_time

__all__ = ["Clock", "FixedClock", "SystemClock"]


class FixedClock(SystemClock):
    """A clock stopped on a day (tests, replays)."""

    def __init__(self, day: date, timezone: str = "Europe/Brussels") -> None:
        super().__init__(timezone)
        self.day = day

    def now(self) -> datetime:
        return datetime.combine(self.day, wall_time().timetz()).astimezone(UTC)

    def today(self) -> date:
        return self.day
