"""The cooperative's contribution, the pricing helper and payment splitting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.contribution import (
    DEFAULT_CONTRIBUTION_SCHEDULE,
    ContributionRate,
    ContributionSchedule,
    PaymentSplit,
    contribution_for,
    contribution_rate,
    price_for,
    split_payment,
)
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.totals import InvoiceLine, InvoiceTotals, compute_totals
from invoicing.domain.vat import VatCategoryCode

FAST = settings(database=None, deadline=None, max_examples=120)
D = Decimal
DAY = date(2026, 4, 15)
S, Z = VatCategoryCode.STANDARD, VatCategoryCode.ZERO_RATED


def totals_of(*nets: tuple[str, int]) -> InvoiceTotals:
    return compute_totals(InvoiceLine("x", D(1), "C62", D(net), D(rate), S if rate else Z) for net, rate in nets)


def test_default_rate_is_6_5_percent() -> None:
    assert DEFAULT_CONTRIBUTION_SCHEDULE.rate_on(DAY) == D("6.5")
    assert contribution_for(D("1000.00"), DAY) == D("65.00")
    assert contribution_for(D("100.10"), DAY) == D("6.51")  # 6.5065


def test_no_contribution_between_activities() -> None:
    assert contribution_rate(DAY, intra_cooperative=True) == 0
    assert contribution_for(D("1000.00"), DAY, intra_cooperative=True) == D("0.00")
    assert price_for(D("1000"), D("50"), DAY, intra_cooperative=True) == D("1050.00")


def test_a_later_rate_applies_from_its_day_only() -> None:
    schedule = DEFAULT_CONTRIBUTION_SCHEDULE.with_rate(ContributionRate(D(7), date(2027, 1, 1)))
    assert schedule.rate_on(date(2026, 12, 31)) == D("6.5")
    assert schedule.rate_on(date(2027, 1, 1)) == D(7)
    assert contribution_for(D("1000"), date(2027, 1, 1), schedule=schedule) == D("70.00")
    assert DEFAULT_CONTRIBUTION_SCHEDULE.rate_on(date(2027, 1, 1)) == D("6.5")  # unchanged


def test_schedule_validation() -> None:
    with pytest.raises(DomainValidationError) as info:
        ContributionSchedule([])
    assert info.value.code == "contribution.schedule_invalid"
    with pytest.raises(DomainValidationError):
        ContributionSchedule([ContributionRate(D(6), date(2020, 1, 1)), ContributionRate(D(7), date(2020, 1, 1))])
    with pytest.raises(DomainValidationError) as info:
        DEFAULT_CONTRIBUTION_SCHEDULE.rate_on(date(1990, 1, 1))
    assert info.value.code == "contribution.rate_not_defined"
    with pytest.raises(TypeError):
        ContributionRate(6.5, date(2020, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(DomainValidationError):
        ContributionRate(D(100), date(2020, 1, 1))  # would divide by zero in price_for


def test_price_for() -> None:
    assert price_for(D("1000"), D("0"), DAY) == D("1069.52")  # 1069.5187…
    assert price_for(D("100"), D("50"), DAY) == D("160.43")  # 160.4278…
    assert price_for(D("0"), D("0"), DAY) == D("0.00")
    with pytest.raises(TypeError):
        price_for(1000.0, D(0), DAY)  # type: ignore[arg-type]
    with pytest.raises(DomainValidationError) as info:
        price_for(D("-1"), D(0), DAY)
    assert (info.value.code, info.value.field) == ("money.negative", "labour_cost")


cents = st.integers(min_value=0, max_value=10**9).map(lambda c: D(c) / 100)
rates = st.integers(min_value=1, max_value=400).map(lambda r: D(r) / 10)  # 0.1 % … 40 %


@FAST
@given(cents, cents, rates)
def test_price_covers_costs_exactly_after_the_contribution(labour: Decimal, expenses: Decimal, rate: Decimal) -> None:
    schedule = ContributionSchedule([ContributionRate(rate, date(2000, 1, 1))])
    price = price_for(labour, expenses, DAY, schedule=schedule)
    assert price.as_tuple().exponent == -2
    assert price - contribution_for(price, DAY, schedule=schedule) == labour + expenses


def test_full_payment_splits_into_the_invoice_figures() -> None:
    totals = totals_of(("1000.00", 21))
    split = split_payment(D("1210.00"), totals, contribution_rate=D("6.5"))
    assert split == PaymentSplit(D("1000.00"), D("210.00"), D("65.00"), D("935.00"))
    assert split.amount == D("1210.00")


def test_partial_payment_is_proportional() -> None:
    totals = totals_of(("1000.00", 21))
    split = split_payment(D("605.00"), totals, contribution_rate=D("6.5"))
    assert split == PaymentSplit(D("500.00"), D("105.00"), D("32.50"), D("467.50"))
    rest = split_payment(D("605.00"), totals, contribution_rate=D("6.5"), already_paid=D("605.00"))
    assert rest == PaymentSplit(D("500.00"), D("105.00"), D("32.50"), D("467.50"))


def test_rounding_remainders_land_so_instalments_add_up() -> None:
    totals = totals_of(("100.00", 21))  # 121.00, contribution 6.50
    parts = [D("40.33"), D("40.33"), D("40.34")]
    splits = []
    paid = D(0)
    for part in parts:
        splits.append(split_payment(part, totals, contribution_rate=D("6.5"), already_paid=paid))
        paid += part
    assert sum(s.excl_vat for s in splits) == D("100.00")
    assert sum(s.vat for s in splits) == D("21.00")
    assert sum(s.contribution for s in splits) == D("6.50")
    for s, part in zip(splits, parts, strict=True):
        assert s.excl_vat + s.vat == part
        assert s.contribution + s.activity_share == s.excl_vat


def test_intra_cooperative_split_has_no_contribution() -> None:
    totals = totals_of(("300.00", 0))
    split = split_payment(D("100.00"), totals, contribution_rate=D(0))
    assert split == PaymentSplit(D("100.00"), D("0.00"), D("0.00"), D("100.00"))


def test_prepaid_counts_as_already_paid_by_default() -> None:
    lines = [InvoiceLine("x", D(1), "C62", D("1000.00"), D(21), S)]
    totals = compute_totals(lines, prepaid=D("210.00"))
    split = split_payment(D("1000.00"), totals, contribution_rate=D("6.5"))
    assert split.excl_vat + split.vat == D("1000.00")
    with pytest.raises(DomainValidationError) as info:
        split_payment(D("1000.01"), totals, contribution_rate=D("6.5"))
    assert info.value.code == "payment.exceeds_outstanding"


@pytest.mark.parametrize(
    ("amount", "code"),
    [(D("0"), "payment.amount_not_positive"), (D("-5"), "payment.amount_not_positive"), (D("1.001"), "money.sub_cent")],
)
def test_split_payment_refuses_bad_amounts(amount: Decimal, code: str) -> None:
    with pytest.raises(DomainValidationError) as info:
        split_payment(amount, totals_of(("10.00", 21)), contribution_rate=D("6.5"))
    assert info.value.code == code


def test_split_payment_refuses_overpayment_and_floats() -> None:
    totals = totals_of(("10.00", 21))
    with pytest.raises(DomainValidationError) as info:
        split_payment(D("12.11"), totals, contribution_rate=D("6.5"))
    assert info.value.code == "payment.exceeds_outstanding"
    with pytest.raises(TypeError):
        split_payment(12.1, totals, contribution_rate=D("6.5"))  # type: ignore[arg-type]


invoice_lines = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10**7).map(lambda c: str(D(c) / 100)),
        st.sampled_from([21, 12, 6, 0]),
    ),
    min_size=1,
    max_size=5,
)


@FAST
@given(invoice_lines, st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6), rates)
def test_instalments_always_add_up(lines: list[tuple[str, int]], weights: list[int], rate: Decimal) -> None:
    totals = totals_of(*lines)
    total_cents = int(totals.total_incl_vat * 100)
    # Cut the total into instalments of whole cents (some may round to zero and are skipped).
    cuts = sorted({total_cents * sum(weights[: i + 1]) // sum(weights) for i in range(len(weights))})
    amounts = [D(b - a) / 100 for a, b in zip([0, *cuts], cuts, strict=False) if b > a]
    paid = D(0)
    splits = []
    for amount in amounts:
        split = split_payment(amount, totals, contribution_rate=rate, already_paid=paid)
        assert split.excl_vat + split.vat == amount
        assert split.contribution + split.activity_share == split.excl_vat
        assert min(split.excl_vat, split.vat, split.contribution, split.activity_share) >= 0
        for part in (split.excl_vat, split.vat, split.contribution, split.activity_share):
            assert isinstance(part, Decimal)
            assert part.as_tuple().exponent == -2
        splits.append(split)
        paid += amount
    assert paid == totals.total_incl_vat
    assert sum(s.excl_vat for s in splits) == totals.total_excl_vat
    assert sum(s.vat for s in splits) == totals.vat_total
    expected_contribution = contribution_for(
        totals.total_excl_vat, DAY, schedule=ContributionSchedule([ContributionRate(rate, date(2000, 1, 1))])
    )
    assert sum(s.contribution for s in splits) == expected_contribution
