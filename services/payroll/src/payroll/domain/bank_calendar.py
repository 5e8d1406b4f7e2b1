"""The bank's calendar: which days a credit transfer can be executed, and the
last day a payment file must be handed over for a salary to arrive on time.

Bank holidays are data (``BankCalendar.holidays``): Belgian public holidays
and the TARGET2 closing days (Good Friday, 26 December...), from the
``holidays`` package, plus any day the settings add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays


@dataclass(frozen=True)
class BankCalendar:
    holidays: frozenset[date]

    @classmethod
    def belgian(cls, years: Iterable[int], extra: Iterable[date] = ()) -> BankCalendar:
        span = sorted(set(years))
        public = holidays.country_holidays("BE", years=span)
        target = holidays.financial_holidays("XECB", years=span)
        return cls(frozenset([*public.keys(), *target.keys(), *extra]))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def on_or_after(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def add(self, day: date, business_days: int) -> date:
        """``business_days`` bank days after the business day ``day`` (or the next one)."""
        day = self.on_or_after(day)
        for _ in range(business_days):
            day = self.on_or_after(day + timedelta(days=1))
        return day

    def subtract(self, day: date, business_days: int) -> date:
        day = self.on_or_before(day)
        for _ in range(business_days):
            day = self.on_or_before(day - timedelta(days=1))
        return day


@dataclass(frozen=True)
class PaymentDeadlines:
    """When a file handed to the bank today is executed, and when it must be handed over for a due date."""

    calendar: BankCalendar
    lead_business_days: int

    def earliest_execution(self, today: date) -> date:
        return self.calendar.add(today, self.lead_business_days)

    def latest_execution(self, due: date) -> date:
        return self.calendar.on_or_before(due)

    def submit_by(self, due: date) -> date:
        """The last day a batch can be made for the money to arrive by ``due``."""
        return self.calendar.subtract(self.latest_execution(due), self.lead_business_days)

    def due_until(self, today: date, horizon_days: int = 45) -> date:
        """The latest due date that must be batched today (each later one can still wait a day)."""
        latest = today - timedelta(days=1)
        for offset in range(horizon_days):
            due = today + timedelta(days=offset)
            if self.submit_by(due) <= today:
                latest = due
        return latest

    def in_time(self, today: date, due: date) -> bool:
        return self.earliest_execution(today) <= self.latest_execution(due)
