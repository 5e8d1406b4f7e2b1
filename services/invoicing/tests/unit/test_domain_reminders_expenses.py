"""Reminder steps, expense claim checks and receipt files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.domain.attachments import check_attachment, safe_filename, sniff
from invoicing.domain.errors import DomainConflictError, DomainValidationError, TooLarge, UnsupportedType
from invoicing.domain.expenses import (
    ExpenseStatus,
    FiscalCalendar,
    Receipt,
    check_budget,
    check_decidable,
    check_submittable,
)
from invoicing.domain.reminders import ReminderLevel, ReminderPolicy

D = Decimal
DUE = date(2026, 3, 24)
L = ReminderLevel
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 3, 24), []),
    (date(2026, 3, 25), [L.OVERDUE]),
    (date(2026, 3, 30), [L.OVERDUE]),
    (date(2026, 3, 31), [L.OVERDUE, L.FIRST_REMINDER]),
    (date(2026, 4, 14), [L.OVERDUE, L.FIRST_REMINDER, L.FORMAL_NOTICE]),
])
def test_steps_come_on_their_day_after_the_due_date(today: date, expected: list[ReminderLevel]) -> None:
    assert ReminderPolicy().levels_due(DUE, today) == expected


def test_steps_done_are_not_due_again_and_the_policy_is_configurable() -> None:
    assert ReminderPolicy().levels_due(DUE, date(2026, 5, 1), done=["overdue", "first_reminder"]) == [
        L.FORMAL_NOTICE]
    policy = ReminderPolicy(first_reminder_days=3, formal_notice_days=10, payment_days=5)
    assert policy.levels_due(DUE, date(2026, 3, 27)) == [L.OVERDUE, L.FIRST_REMINDER]
    assert policy.deadline(date(2026, 3, 27)) == date(2026, 4, 1)
    with pytest.raises(DomainValidationError):
        ReminderPolicy(first_reminder_days=21, formal_notice_days=7)


def test_receipt_figures() -> None:
    receipt = Receipt(date(2026, 3, 1), "Music Store SRL", D("121.00"), D("21.00"))
    assert (receipt.deductible_vat, receipt.amount_charged) == (D("21.00"), D("100.00"))
    restaurant = Receipt(date(2026, 3, 1), "Brasserie", D("56.00"), D("6.00"), D("0"))
    assert (restaurant.deductible_vat, restaurant.amount_charged) == (D("0.00"), D("56.00"))
    car = Receipt(date(2026, 3, 1), "Garage", D("60.50"), D("10.50"), D("50"))
    assert (car.deductible_vat, car.amount_charged) == (D("5.25"), D("55.25"))
    for amount, vat, code in [("0", "0", "expense.amount_not_positive"), ("10.00", "10.00", "expense.vat_invalid"),
                              ("10.00", "-1", "expense.vat_invalid"), ("10.001", "0", "money.sub_cent")]:
        with pytest.raises(DomainValidationError) as info:
            Receipt(date(2026, 3, 1), "X", D(amount), D(vat))
        assert info.value.code == code


@pytest.mark.parametrize(("expense", "today", "code"), [
    (date(2026, 6, 1), date(2026, 6, 1), None),
    (date(2025, 12, 20), date(2026, 1, 31), None),  # last year's, before the cut-off
    (date(2025, 12, 20), date(2026, 2, 1), "expense.date_outside_fiscal_year"),
    (date(2024, 12, 20), date(2025, 1, 2), None),
    (date(2024, 12, 20), date(2026, 1, 2), "expense.date_outside_fiscal_year"),
    (date(2026, 6, 2), date(2026, 6, 1), "expense.date_in_future"),
])
def test_fiscal_year_and_cut_off(expense: date, today: date, code: str | None) -> None:
    calendar = FiscalCalendar.parse("01-31")
    if code is None:
        calendar.check(expense, today)
        return
    with pytest.raises(DomainValidationError) as info:
        calendar.check(expense, today)
    assert (info.value.code, info.value.field) == (code, "expense_date")


def test_cut_off_is_a_day_of_the_year() -> None:
    assert FiscalCalendar.parse("03-15").cutoff(2026) == date(2026, 3, 15)
    for text in ("02-30", "13-01", "1/31", "xx"):
        with pytest.raises(DomainValidationError):
            FiscalCalendar.parse(text)


def test_budget_and_lifecycle_checks() -> None:
    check_budget(D("100.00"), D("100.00"))
    with pytest.raises(DomainValidationError) as info:
        check_budget(D("100.00"), D("150.00"), already_claimed=D("60.00"))
    assert info.value.code == "expense.exceeds_available_budget"
    with pytest.raises(DomainValidationError) as info:
        check_submittable(ExpenseStatus.DRAFT, attachments=0)
    assert info.value.code == "expense.attachment_missing"
    check_submittable(ExpenseStatus.DRAFT, attachments=1)
    with pytest.raises(DomainConflictError):
        check_submittable(ExpenseStatus.SUBMITTED, attachments=1)
    with pytest.raises(DomainConflictError):
        check_decidable(ExpenseStatus.APPROVED)


def test_receipts_are_recognised_by_their_bytes() -> None:
    assert [sniff(c) for c in (PDF, PNG, JPEG)] == ["application/pdf", "image/png", "image/jpeg"]
    assert check_attachment(PDF, 1000) == "application/pdf"
    with pytest.raises(UnsupportedType):
        check_attachment(b"GIF89a....", 1000)
    with pytest.raises(UnsupportedType):
        check_attachment(b"<html>%PDF-", 1000)  # the signature must be at the start
    with pytest.raises(TooLarge):
        check_attachment(PDF + b"x" * 1000, 1000)
    with pytest.raises(DomainValidationError) as info:
        check_attachment(b"", 1000)
    assert info.value.code == "attachment.empty"


def test_file_names_are_made_safe() -> None:
    assert safe_filename("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\me\\Reçu été.PNG", "image/png") == "Recu ete.png"
    assert safe_filename('a"b\r\nc.pdf', "application/pdf") == "a_b_c.pdf"
    assert safe_filename(None, "image/jpeg") == "receipt.jpg"
    assert safe_filename("invoice.exe", "application/pdf") == "invoice.pdf"
