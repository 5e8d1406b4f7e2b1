"""The service's notion of "today": the calendar day in Brussels.

An invoice's date, due date, the validity of a quote and good standing are
days in Belgium, not in UTC. Replaceable (``runtime.extras["clock"]``) so
tests can move through the calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, timezone: str = "Europe/Brussels") -> None:
        self.zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()


class FixedClock(Clock):
    """A clock stopped on a day (tests, replays)."""

    def __init__(self, day: date, timezone: str = "Europe/Brussels") -> None:
        super().__init__(timezone)
        self.day = day

    def now(self) -> datetime:
        return datetime.combine(self.day, datetime.now(UTC).timetz()).astimezone(UTC)

    def today(self) -> date:
        return self.day
