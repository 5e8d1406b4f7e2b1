"""The one clock of the platform: aware UTC instants, and the day in the
cooperative's time zone (deadlines such as due dates are Belgian calendar days).

Everything time-driven reads a ``Clock``; tests pass a ``FakeClock`` and move
it across midnight, month ends, daylight-saving changes and year ends instead
of waiting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

COOPERATIVE_ZONE = "Europe/Brussels"
# The zone itself, for the domain code that turns an instant into a Belgian day or hour.
COOPERATIVE_TZ = ZoneInfo(COOPERATIVE_ZONE)


def wall_time() -> datetime:
    """The machine's own time, aware UTC, for infrastructure records rather than business facts: leases, retries,
    when a key or session was created, and expiry instants that the database server's TTL monitor compares with
    its real time (an offset or fake clock there would expire records early or never). Business dates read a
    ``Clock``."""
    return datetime.now(UTC)


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
        return wall_time()

    def local(self) -> datetime:
        return self.now().astimezone(self._zone)

    def today(self) -> date:
        return self.local().date()


class OffsetClock(SystemClock):
    """The system clock moved forward by the number of seconds a file holds, re-read whenever the file changes.

    For rehearsals and browser tests of a running platform that must live through days (work done, then paid)
    in minutes. A missing or empty file is no offset. Production settings refuse it.
    """

    def __init__(self, offset_file: Path, zone: str | ZoneInfo = COOPERATIVE_ZONE) -> None:
        super().__init__(zone)
        self._file = offset_file
        self._seen: float | None = None
        self._offset = timedelta(0)

    def offset(self) -> timedelta:
        try:
            changed = self._file.stat().st_mtime_ns
        except FileNotFoundError:
            return timedelta(0)
        if changed != self._seen:
            text = self._file.read_text(encoding="utf-8").strip()
            self._offset, self._seen = timedelta(seconds=float(text or 0)), changed
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()


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


class DayClock(SystemClock):
    """A clock stopped on a calendar day, its hours running (tests and replays that care about the day
    only: an invoice's date, a due date)."""

    def __init__(self, day: date, zone: str | ZoneInfo = COOPERATIVE_ZONE) -> None:
        super().__init__(zone)
        self.day = day

    def now(self) -> datetime:
        return datetime.combine(self.day, wall_time().timetz()).astimezone(UTC)

    def today(self) -> date:
        return self.day


def to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds: cut the rest, so a time read back compares equal to the one written."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a clock is set to an aware datetime")
    return at.astimezone(UTC)
