"""Overdue invoices and their reminders.

An open invoice is overdue the day after its due date; a first reminder
follows ``first_reminder_days`` after the due date, a formal notice (mise en
demeure / ingebrekestelling) ``formal_notice_days`` after it. Each step
happens once per invoice, whatever the number of times the job runs: the
service guards it with a unique key (invoice, level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from invoicing.domain.errors import DomainValidationError


class ReminderLevel(StrEnum):
    OVERDUE = "overdue"  # marked overdue (an event, no letter)
    FIRST_REMINDER = "first_reminder"
    FORMAL_NOTICE = "formal_notice"


ORDER = (ReminderLevel.OVERDUE, ReminderLevel.FIRST_REMINDER, ReminderLevel.FORMAL_NOTICE)
LETTERS = (ReminderLevel.FIRST_REMINDER, ReminderLevel.FORMAL_NOTICE)


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    first_reminder_days: int = 7
    formal_notice_days: int = 21
    payment_days: int = 10  # the deadline printed on a reminder

    def __post_init__(self) -> None:
        if not 1 <= self.first_reminder_days < self.formal_notice_days:
            raise DomainValidationError(
                "reminders.policy_invalid", "The formal notice must come after the first reminder, "
                "and the first reminder at least a day after the due date.", "formal_notice_days")
        if self.payment_days < 0:
            raise DomainValidationError("reminders.policy_invalid", "The payment deadline cannot be negative.",
                                        "payment_days")

    def day_of(self, level: ReminderLevel, due_date: date) -> date:
        """The first day ``level`` applies to an invoice due on ``due_date``."""
        days = {ReminderLevel.OVERDUE: 1, ReminderLevel.FIRST_REMINDER: self.first_reminder_days,
                ReminderLevel.FORMAL_NOTICE: self.formal_notice_days}[level]
        return due_date + timedelta(days=days)

    def levels_due(self, due_date: date, today: date, done: Iterable[str] = ()) -> list[ReminderLevel]:
        """Steps reached on ``today`` and not done yet, in order (a job that was
        down catches up with all of them)."""
        finished = set(done)
        return [level for level in ORDER if today >= self.day_of(level, due_date) and level.value not in finished]

    def deadline(self, sent_on: date) -> date:
        return sent_on + timedelta(days=self.payment_days)

