"""Invoice lines and totals: line nets half-up, VAT per rate on the total."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.totals import (
    UNIT_CODES,
    InvoiceLine,
    InvoiceTotals,
    VatBreakdown,
    check_lines_for_regime,
    compute_totals,
)
from invoicing.domain.vat import RateCategory, VatCategoryCode, VatRegime, VatTreatment

FAST = settings(database=None, deadline=None, max_examples=120)
S, Z, AE = VatCategoryCode.STANDARD, VatCategoryCode.ZERO_RATED, VatCategoryCode.REVERSE_CHARGE
D = Decimal


def line(quantity: str, price: str, rate: int = 21, category: VatCategoryCode = S, unit: str = "HUR") -> InvoiceLine:
    return InvoiceLine("Work", D(quantity), unit, D(price), D(rate), category)


def test_line_net_is_rounded_half_up_to_the_cent() -> None:
    assert line("3", "0.335").net_amount == D("1.01")  # 1.005
    assert line("7.5", "60").net_amount == D("450.00")
    assert line("0.333", "10").net_amount == D("3.33")  # 3.33
    assert line("-1", "0.005").net_amount == D("-0.01")  # half-up away from zero


def test_simple_invoice() -> None:
    totals = compute_totals([line("7.5", "60"), line("1", "100", 6), line("2", "10", 0, Z)])
    assert totals.total_excl_vat == D("570.00")
    assert totals.breakdown == (
        VatBreakdown(S, D(21), D("450.00"), D("94.50")),
        VatBreakdown(S, D(6), D("100.00"), D("6.00")),
        VatBreakdown(Z, D(0), D("20.00"), D("0.00")),
    )
    assert totals.vat_total == D("100.50")
    assert totals.total_incl_vat == D("670.50")
    assert totals.amount_due == D("670.50")
    assert totals.prepaid == D("0.00")


def test_vat_is_computed_on_the_total_per_rate_not_per_line() -> None:
    # Ten lines of 0.10 at 6 %: per line 0.006 → 0.01 each, i.e. 0.10 in all;
    # on the total, 1.00 × 6 % = 0.06. The rule demands 0.06.
    totals = compute_totals([line("1", "0.10", 6) for _ in range(10)])
    assert totals.breakdown[0].taxable_amount == D("1.00")
    assert totals.vat_total == D("0.06")


def test_vat_per_rate_rounds_half_up() -> None:
    # 0.50 × 21 % = 0.105 → 0.11 (banker's rounding would say 0.10)
    assert compute_totals([line("1", "0.50")]).vat_total == D("0.11")


def test_equal_rates_written_differently_form_one_group() -> None:
    totals = compute_totals([line("1", "10", 21), InvoiceLine("x", D(1), "C62", D(10), D("21.00"), S)])
    assert len(totals.breakdown) == 1
    assert totals.breakdown[0].taxable_amount == D("20.00")


def test_prepaid_reduces_the_amount_due() -> None:
    totals = compute_totals([line("1", "100")], prepaid=D("21"))
    assert (totals.total_incl_vat, totals.prepaid, totals.amount_due) == (D("121.00"), D("21.00"), D("100.00"))
    with pytest.raises(DomainValidationError) as info:
        compute_totals([line("1", "100")], prepaid=D("121.01"))
    assert info.value.code == "invoice.prepaid_exceeds_total"
    with pytest.raises(DomainValidationError) as info:
        compute_totals([line("1", "100")], prepaid=D("-1"))
    assert info.value.code == "money.negative"
    with pytest.raises(TypeError):
        compute_totals([line("1", "100")], prepaid=1.0)  # type: ignore[arg-type]


def test_an_invoice_needs_lines_and_a_non_negative_total() -> None:
    with pytest.raises(DomainValidationError) as info:
        compute_totals([])
    assert (info.value.code, info.value.field) == ("invoice.no_lines", "lines")
    with pytest.raises(DomainValidationError) as info:
        compute_totals([line("1", "10"), line("-2", "10")])
    assert info.value.code == "invoice.negative_total"
    # A correction line is fine while the total stays positive.
    assert compute_totals([line("3", "10"), line("-1", "10")]).total_excl_vat == D("20.00")


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"description": "  "}, "field.required", "description"),
        ({"quantity": D(0)}, "line.quantity_zero", "quantity"),
        ({"unit_code": "HOURS"}, "field.too_long", "unit_code"),
        ({"unit_code": "XYZ"}, "line.unit_code_unknown", "unit_code"),
        ({"unit_price": D("-0.01")}, "money.negative", "unit_price"),
        ({"vat_rate": D(0)}, "vat.rate_category_mismatch", "vat_rate"),
        ({"vat_rate": D(100)}, "rate.out_of_range", "vat_rate"),
        ({"quantity": D("NaN")}, "money.not_finite", "quantity"),
    ],
)
def test_line_validation(kwargs: dict[str, object], code: str, field: str) -> None:
    base: dict[str, object] = {
        "description": "Work",
        "quantity": D(1),
        "unit_code": "HUR",
        "unit_price": D(10),
        "vat_rate": D(21),
        "vat_category": S,
    }
    with pytest.raises(DomainValidationError) as info:
        InvoiceLine(**{**base, **kwargs})  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == (code, field)


@pytest.mark.parametrize("field", ["quantity", "unit_price", "vat_rate"])
def test_line_refuses_floats(field: str) -> None:
    base: dict[str, object] = {
        "description": "Work",
        "quantity": D(1),
        "unit_code": "HUR",
        "unit_price": D(10),
        "vat_rate": D(21),
        "vat_category": S,
    }
    with pytest.raises(TypeError):
        InvoiceLine(**{**base, field: 1.5})  # type: ignore[arg-type]


def test_line_normalises_unit_code_and_is_immutable() -> None:
    item = line("1", "10", unit="hur")
    assert item.unit_code == "HUR"
    assert {"HUR", "C62", "DAY"} <= UNIT_CODES
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.quantity = D(2)  # type: ignore[misc]


def test_line_from_a_vat_decision() -> None:
    vat = VatRegime(VatTreatment.NORMAL).line_vat(RateCategory.ACCOMMODATION, date(2026, 3, 1))
    item = InvoiceLine.with_vat("Night", D(2), "DAY", D(80), vat)
    assert (item.vat_rate, item.vat_category) == (D(12), S)


def test_lines_must_fit_the_documents_treatment() -> None:
    reverse = VatRegime(VatTreatment.REVERSE_CHARGE)
    check_lines_for_regime([line("1", "10", 0, AE)], reverse)
    with pytest.raises(DomainValidationError) as info:
        check_lines_for_regime([line("1", "10", 0, AE), line("1", "10")], reverse)
    assert (info.value.code, info.value.field) == ("line.vat_category_not_allowed", "lines[1].vat_category")


# -- properties ----------------------------------------------------------------

RATES = [(D(21), S), (D(12), S), (D(6), S), (D(0), Z)]

lines_strategy = st.lists(
    st.builds(
        lambda q, p, r: InvoiceLine("Item", q, "C62", p, r[0], r[1]),
        st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3),
        st.decimals(min_value=D("0"), max_value=D("10000"), places=4),
        st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=15,
)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def all_amounts(totals: InvoiceTotals) -> list[object]:
    values: list[object] = [
        totals.total_excl_vat,
        totals.vat_total,
        totals.total_incl_vat,
        totals.prepaid,
        totals.amount_due,
    ]
    for b in totals.breakdown:
        values += [b.taxable_amount, b.vat_amount, b.rate]
    return values


@FAST
@given(lines_strategy, st.randoms(use_true_random=False), st.integers(min_value=0, max_value=100))
def test_totals_properties(lines: list[InvoiceLine], rnd: Random, prepaid_percent: int) -> None:
    totals = compute_totals(lines)

    # Totals equal the sum of the breakdowns (and of the line nets).
    assert totals.total_excl_vat == sum(b.taxable_amount for b in totals.breakdown)
    assert totals.total_excl_vat == sum(item.net_amount for item in lines)
    assert totals.vat_total == sum(b.vat_amount for b in totals.breakdown)
    assert totals.total_incl_vat == totals.total_excl_vat + totals.vat_total
    assert totals.amount_due == totals.total_incl_vat - totals.prepaid
    assert len({(b.category, b.rate) for b in totals.breakdown}) == len(totals.breakdown)

    # VAT per rate: exactly the rounded VAT of the group total, and within
    # half a cent per line of the sum of per-line rounded VAT.
    for b in totals.breakdown:
        group = [item for item in lines if (item.vat_category, item.vat_rate) == (b.category, b.rate)]
        per_line = sum((half_up(item.net_amount * item.vat_rate / 100) for item in group), D(0))
        assert abs(b.vat_amount - per_line) <= D("0.005") * len(group)
        assert b.vat_amount == half_up(b.taxable_amount * b.rate / 100)

    # No float anywhere; money in whole cents.
    for value in all_amounts(totals):
        assert isinstance(value, Decimal)
    for value in all_amounts(totals)[:5]:
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2
    assert all(isinstance(item.net_amount, Decimal) for item in lines)

    # Line order does not matter.
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    assert compute_totals(shuffled) == totals

    # Prepaid only moves money from "due" to "prepaid".
    prepaid = min(half_up(totals.total_incl_vat * prepaid_percent / 100), totals.total_incl_vat)
    with_prepaid = compute_totals(lines, prepaid)
    assert with_prepaid.amount_due + with_prepaid.prepaid == with_prepaid.total_incl_vat == totals.total_incl_vat
    assert with_prepaid.amount_due >= 0
