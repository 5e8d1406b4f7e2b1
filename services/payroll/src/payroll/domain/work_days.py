"""What anything spanning work days (a contract, one rule period of its salary) answers about them."""

from __future__ import annotations

from datetime import date


class SpansWorkDays:
    """Mixin for frozen dataclasses holding sorted, unique ``work_dates``."""

    __slots__ = ()
    work_dates: tuple[date, ...]

    @property
    def first_work_day(self) -> date:
        return self.work_dates[0]

    @property
    def last_work_day(self) -> date:
        return self.work_dates[-1]
