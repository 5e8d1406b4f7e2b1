"""The one clock of the platform: aware UTC instants, and the day in the
cooperative's time zone (deadlines such as due dates are Belgian calendar days).

Everything time-driven reads a ``Clock``; tests pass a ``FakeClock`` and move
it across midnight, month ends, daylight-saving changes and year ends instead
of waiting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

COOPERATIVE_ZONE = "Europe/Brussels"


class Clock(Protocol):
    @property
    def zone(self) -> ZoneInfo: ...

    def now(self) -> datetime:
        """An aware instant in UTC."""
        ...

    def today(self) -> date:
        """The calendar day in the cooperative's zone."""
        ...

    def local(self) -> datetime:
        """Now, in the cooperative's zone."""
        ...


class SystemClock:
    def __init__(self, zone: str | ZoneInfo = COOPERATIVE_ZONE) -> None:
        self._zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def local(self) -> datetime:
        return self.now().astimezone(self._zone)

    def today(self) -> date:
        return self.local().date()


class FakeClock(SystemClock):
    """A clock that moves only when told to (tests, rehearsals)."""

    def __init__(self, at: datetime, zone: str | ZoneInfo = COOPERATIVE_ZONE) -> None:
        super().__init__(zone)
        self.at = _aware(at)

    @classmethod
    def at_local(cls, year: int, month: int, day: int, hour: int = 0, minute: int = 0,
                 zone: str = COOPERATIVE_ZONE) -> FakeClock:
        """A clock at a wall-clock time in ``zone`` (e.g. 09:00 in Brussels)."""
        return cls(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)), zone)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = _aware(at)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        self.at += delta if delta is not None else timedelta(**kwargs)


def to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds: cut the rest, so a time read back compares equal to the one written."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a clock is set to an aware datetime")
    return at.astimezone(UTC)
