"""Calendar days are stored as ISO strings ("2026-05-04"): BSON has no date-only
type, a datetime would drag a timezone into a day, and ISO strings sort and
compare in calendar order, so range queries and indexes work on them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def iso_day(value: date) -> str:
    return value.isoformat()


def iso_days(values: Iterable[date]) -> list[str]:
    return [value.isoformat() for value in values]


def parse(value: str) -> date:
    return date.fromisoformat(value)


def parse_optional(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
