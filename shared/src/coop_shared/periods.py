"""Periods an export or an archive covers: whole days from ``from`` to ``to``, both included, and bounded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from coop_shared.errors import InvalidValue

# An accounting year and a margin: a longer export is asked for in parts.
MAX_PERIOD_DAYS = 400


def check_period(first: date, last: date, *, what: str = "An export", max_days: int = MAX_PERIOD_DAYS) -> None:
    """422 naming ``to`` when the period ends before it starts or spans more than ``max_days`` days."""
    if last < first:
        raise InvalidValue("period_reversed", "The period ends before it starts.", "to")
    if (last - first).days >= max_days:
        raise InvalidValue("period_too_long", f"{what} covers at most {max_days} days: ask for several periods.",
                           "to")


def day_bounds(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants ``[start, end)`` from the start of ``first`` to the end of ``last``, days of ``zone``."""
    return datetime.combine(first, time(0), zone), datetime.combine(last + timedelta(days=1), time(0), zone)
