"""When a job is due: every N seconds, daily at a wall-clock time, or monthly
on a day — wall-clock times in the cooperative's zone, so "07:00" stays 07:00
in Brussels across daylight-saving changes.

A wall-clock time that does not exist (02:30 on the night clocks go forward)
runs at the same offset one hour later; one that happens twice (the night they
go back) runs at its first occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Schedule(Protocol):
    def first_run(self, now: datetime, zone: ZoneInfo) -> datetime:
        """When a job never run before is first due."""
        ...

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        """The first due instant strictly after ``after`` (aware UTC)."""
        ...

    def describe(self) -> str: ...


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Every:
    seconds: float
    initial_delay: float = 0.0

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.initial_delay < 0:
            raise ValueError("an interval is positive and its initial delay not negative")

    def first_run(self, now: datetime, zone: ZoneInfo) -> datetime:
        return now + timedelta(seconds=self.initial_delay)

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        return after + timedelta(seconds=self.seconds)

    def describe(self) -> str:
        return f"every {self.seconds:g}s"


@dataclass(frozen=True, slots=True)
class DailyAt:
    at: time

    @classmethod
    def parse(cls, value: str) -> DailyAt:
        """``"HH:MM"``."""
        return cls(time.fromisoformat(value))

    def first_run(self, now: datetime, zone: ZoneInfo) -> datetime:
        return self.next_after(now, zone)

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        day = after.astimezone(zone).date()
        for offset in range(3):
            candidate = _at(day + timedelta(days=offset), self.at, zone)
            if candidate > after:
                return candidate
        raise AssertionError("a day has a wall-clock time within three days")

    def describe(self) -> str:
        return f"daily at {self.at.strftime('%H:%M')}"


@dataclass(frozen=True, slots=True)
class MonthlyOn:
    """On ``day`` of each month at ``at``; a day past the month's end means its last day (31 = month end)."""

    day: int
    at: time = time(0, 0)

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError("a day of the month is between 1 and 31")

    def first_run(self, now: datetime, zone: ZoneInfo) -> datetime:
        return self.next_after(now, zone)

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        local = after.astimezone(zone)
        year, month = local.year, local.month
        for _ in range(3):
            last = calendar.monthrange(year, month)[1]
            candidate = _at(date(year, month, min(self.day, last)), self.at, zone)
            if candidate > after:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise AssertionError("a month has the day within three months")

    def describe(self) -> str:
        return f"monthly on day {self.day} at {self.at.strftime('%H:%M')}"
