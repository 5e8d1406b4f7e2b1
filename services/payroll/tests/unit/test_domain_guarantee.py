"""The 7-day guarantee: due date, capped advances, repayment first, write-offs absorbed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payroll.domain.errors import DomainError
from payroll.domain.guarantee import (
    advance_cap,
    advance_needed,
    receivable_cover,
    repayment_on_payment,
    salary_due_date,
    write_off_absorption,
)

D = Decimal


def test_salary_is_due_seven_days_after_the_last_work_day() -> None:
    assert salary_due_date(date(2026, 3, 6)) == date(2026, 3, 13)
    assert salary_due_date(date(2026, 12, 28)) == date(2027, 1, 4)
    assert salary_due_date(date(2028, 2, 25)) == date(2028, 3, 3)  # leap year


def test_no_advance_when_the_budget_covers_the_cost() -> None:
    assert advance_needed(D("1000.00"), D("1000.00"), D("0"), D("0")) == D("0")
    assert advance_needed(D("1000.00"), D("5000.00"), D("0"), D("0")) == D("0")


def test_the_fund_advances_exactly_the_shortfall() -> None:
    assert advance_needed(D("1000.00"), D("400.00"), D("2000.00"), D("0")) == D("600.00")
    assert advance_needed(D("1000.00"), D("0"), D("1000.00"), D("0")) == D("1000.00")


def test_the_advance_is_capped_by_unpaid_invoices_minus_earlier_advances() -> None:
    assert advance_cap(D("1000.00"), D("300.00")) == D("700.00")
    assert advance_cap(D("1000.00"), D("1200.00")) == D("0")
    assert advance_needed(D("1000.00"), D("300.00"), D("1000.00"), D("300.00")) == D("700.00")
    with pytest.raises(DomainError) as raised:
        advance_needed(D("1000.00"), D("300.00"), D("1000.00"), D("300.01"))
    error = raised.value
    assert error.code == "insufficient_budget"
    assert error.details == {"cost": "1000.00", "available": "300.00", "cap": "699.99", "missing": "0.01"}
    assert "300.00 available" in error.message
    assert "at most 699.99" in error.message
    assert "0.01 is missing" in error.message


def test_refused_without_unpaid_invoices() -> None:
    with pytest.raises(DomainError) as raised:
        advance_needed(D("500.00"), D("100.00"), D("0"), D("0"))
    assert raised.value.details["missing"] == "400.00"


def test_a_negative_budget_widens_the_shortfall() -> None:
    assert advance_needed(D("100.00"), D("-50.00"), D("1000.00"), D("0")) == D("150.00")


def test_receivable_cover_excludes_the_contribution() -> None:
    assert receivable_cover(D("1000.00"), D("0.065")) == D("935.00")
    assert receivable_cover(D("100.10"), D("0.065")) == D("93.59")  # contribution 6.5065 -> 6.51


def test_repayment_comes_first_up_to_the_activity_share() -> None:
    assert repayment_on_payment(D("935.00"), D("400.00")) == D("400.00")
    assert repayment_on_payment(D("93.50"), D("400.00")) == D("93.50")
    assert repayment_on_payment(D("93.50"), D("0")) == D("0")


def test_write_off_absorbs_the_advance_that_invoice_backed() -> None:
    assert write_off_absorption(D("500.00"), D("300.00")) == D("300.00")
    assert write_off_absorption(D("200.00"), D("300.00")) == D("200.00")
    assert write_off_absorption(D("0"), D("300.00")) == D("0")


@pytest.mark.parametrize("bad", [D("-1"), D("0.001"), 1.0])
def test_inputs_must_be_cent_amounts(bad: object) -> None:
    with pytest.raises(DomainError):
        advance_needed(D("100.00"), D("0"), bad, D("0"))  # type: ignore[arg-type]


money = st.integers(min_value=0, max_value=100_000_000).map(lambda n: Decimal(n) / 100)


@given(money.filter(lambda m: m > 0), money, money, money)
def test_an_advance_covers_the_cost_and_never_exceeds_the_cap(
    cost: Decimal, available: Decimal, receivables: Decimal, advanced: Decimal
) -> None:
    cap = advance_cap(receivables, advanced)
    if available + cap < cost:
        with pytest.raises(DomainError) as raised:
            advance_needed(cost, available, receivables, advanced)
        assert raised.value.code == "insufficient_budget"
        assert D(str(raised.value.details["missing"])) == cost - available - cap
        return
    advance = advance_needed(cost, available, receivables, advanced)
    assert 0 <= advance <= cap
    assert available + advance >= cost
    assert advance == max(D("0"), cost - available)  # never more than needed
