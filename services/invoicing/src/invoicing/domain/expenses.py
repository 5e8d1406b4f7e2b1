"""Expense claims: a member's receipt charged to an activity.

draft → submitted → approved | rejected. Before submission a claim must be
dated within the fiscal year (last year's receipts are accepted until a
cut-off day early in the new year), carry its receipt, and fit in the
activity's available budget. On approval the activity is debited with the
amount minus the input VAT the cooperative recovers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.domain.checks import require_date, require_text
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.money import HUNDRED, ZERO, percent_of, require_cents, require_decimal


class ExpenseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Receipt:
    expense_date: date
    supplier: str
    amount_incl_vat: Decimal
    vat: Decimal
    vat_deductible_percent: Decimal = HUNDRED  # e.g. 0 for restaurant bills, 50 for car costs

    def __post_init__(self) -> None:
        require_date(self.expense_date, "expense_date")
        object.__setattr__(self, "supplier", require_text(self.supplier, "supplier", max_length=200))
        amount = require_cents(self.amount_incl_vat, "amount_incl_vat")
        vat = require_cents(self.vat, "vat_amount")
        if amount <= 0:
            raise DomainValidationError("expense.amount_not_positive", "The amount must be positive.",
                                        "amount_incl_vat")
        if not ZERO <= vat < amount:
            raise DomainValidationError("expense.vat_invalid", "The VAT is at least 0 and less than the amount.",
                                        "vat_amount")
        share = require_decimal(self.vat_deductible_percent, "vat_deductible_percent")
        if not ZERO <= share <= HUNDRED:
            raise DomainValidationError("expense.vat_deductible_percent_invalid",
                                        "The deductible share of the VAT is between 0 and 100 %.",
                                        "vat_deductible_percent")
        object.__setattr__(self, "amount_incl_vat", amount)
        object.__setattr__(self, "vat", vat)

    @property
    def deductible_vat(self) -> Decimal:
        """Input VAT the cooperative recovers: it goes back to the activity's budget."""
        return percent_of(self.vat, self.vat_deductible_percent)

    @property
    def amount_charged(self) -> Decimal:
        """What the activity is debited with."""
        return self.amount_incl_vat - self.deductible_vat


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """Calendar fiscal years; last year's receipts are accepted up to and
    including ``cutoff`` (month, day) of the new year."""

    cutoff_month: int = 1
    cutoff_day: int = 31

    def __post_init__(self) -> None:
        try:
            date(2025, self.cutoff_month, self.cutoff_day)  # not a leap year: 02-29 is refused
        except ValueError:
            raise DomainValidationError("expense.cutoff_invalid", "The cut-off is a day of the year (MM-DD).",
                                        "cutoff") from None

    @classmethod
    def parse(cls, text: str) -> FiscalCalendar:
        month, _, day = text.partition("-")
        if not (month.isdigit() and day.isdigit()):
            raise DomainValidationError("expense.cutoff_invalid", "The cut-off is written MM-DD.", "cutoff")
        return cls(int(month), int(day))

    def cutoff(self, year: int) -> date:
        return date(year, self.cutoff_month, self.cutoff_day)

    def check(self, expense_date: date, today: date) -> None:
        require_date(expense_date, "expense_date")
        if expense_date > today:
            raise DomainValidationError("expense.date_in_future", "A receipt cannot be dated in the future.",
                                        "expense_date")
        if expense_date.year == today.year:
            return
        if expense_date.year == today.year - 1 and today <= self.cutoff(today.year):
            return
        raise DomainValidationError(
            "expense.date_outside_fiscal_year",
            f"Receipts of {expense_date.year} were accepted until {self.cutoff(expense_date.year + 1).isoformat()}.",
            "expense_date")


def check_budget(amount_charged: Decimal, available: Decimal, already_claimed: Decimal = ZERO) -> None:
    """The claim must fit in what the activity has, less the claims waiting for review."""
    room = available - already_claimed
    if amount_charged > room:
        raise DomainValidationError(
            "expense.exceeds_available_budget",
            f"The activity has {max(room, ZERO)} available for this claim of {amount_charged}.",
            "amount_incl_vat")


def check_submittable(status: ExpenseStatus, attachments: int) -> None:
    if status is not ExpenseStatus.DRAFT:
        raise DomainConflictError("expense.not_draft", f"A {status.value} claim cannot be submitted.", "status")
    if attachments < 1:
        raise DomainValidationError("expense.attachment_missing", "Attach the receipt before submitting.",
                                    "attachments")


def check_decidable(status: ExpenseStatus) -> None:
    if status is not ExpenseStatus.SUBMITTED:
        raise DomainConflictError("expense.not_submitted", f"A {status.value} claim is not waiting for review.",
                                  "status")


def check_editable(status: ExpenseStatus) -> None:
    if status is not ExpenseStatus.DRAFT:
        raise DomainConflictError("expense.not_editable", f"A {status.value} claim cannot be changed.", "status")
