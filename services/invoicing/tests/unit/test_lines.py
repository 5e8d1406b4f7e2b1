"""Lines as members type them, checked against the dated VAT rates and the regime."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.lines import LineInput, build_line, build_lines, check_rates_still_valid, rates_in_force
from invoicing.domain.vat import RateCategory, VatCategoryCode, VatRate, VatRateTable, VatRegime, VatTreatment

DAY = date(2026, 3, 16)
NORMAL = VatRegime(VatTreatment.NORMAL)


def item(rate: str | None = "21", quantity: str = "2", price: str = "10.00", unit: str = "HUR") -> LineInput:
    return LineInput("Work", Decimal(quantity), unit, Decimal(price), None if rate is None else Decimal(rate))


def error(call: object, *args: object) -> DomainValidationError:
    with pytest.raises(DomainValidationError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


def test_rates_in_force_are_the_belgian_ones() -> None:
    assert rates_in_force(DAY) == (Decimal(21), Decimal(12), Decimal(6), Decimal(0))


@pytest.mark.parametrize(("rate", "category"), [("21", "S"), ("12", "S"), ("6", "S"), ("6.00", "S"), ("0", "Z")])
def test_a_known_rate_gives_its_category(rate: str, category: str) -> None:
    line = build_line(item(rate), NORMAL, DAY, 0)
    assert (line.vat_rate, line.vat_category) == (Decimal(rate), VatCategoryCode(category))


@pytest.mark.parametrize("rate", ["7", "19.6", "20.99", "100", "-6"])
def test_an_unknown_rate_is_refused_with_its_line(rate: str) -> None:
    err = error(build_line, item(rate), NORMAL, DAY, 3)
    assert (err.code, err.field) == ("line.vat_rate_unknown", "lines[3].vat_rate")


def test_rates_are_dated_data() -> None:
    table = VatRateTable([VatRate(RateCategory.STANDARD, Decimal(21), date(2000, 1, 1)),
                          VatRate(RateCategory.STANDARD, Decimal(22), date(2027, 1, 1))])
    assert build_line(item("21"), NORMAL, DAY, 0, table).vat_rate == 21
    assert error(build_line, item("21"), NORMAL, date(2027, 1, 1), 0, table).code == "line.vat_rate_unknown"
    lines = build_lines([item("21")], NORMAL, DAY, table)
    check_rates_still_valid(lines, NORMAL, date(2026, 12, 31), table)
    err = error(check_rates_still_valid, lines, NORMAL, date(2027, 1, 1), table)
    assert (err.code, err.field) == ("line.vat_rate_unknown", "lines[0].vat_rate")


@pytest.mark.parametrize(("treatment", "category"), [
    (VatTreatment.REVERSE_CHARGE, "AE"), (VatTreatment.EXPORT, "G"), (VatTreatment.INTRA_COOPERATIVE, "O"),
])
def test_without_belgian_vat_lines_are_at_zero_in_the_regimes_category(treatment: VatTreatment,
                                                                        category: str) -> None:
    regime = VatRegime(treatment)
    for rate in (None, "0"):
        line = build_line(item(rate), regime, DAY, 0)
        assert (line.vat_rate, line.vat_category) == (0, VatCategoryCode(category))
    err = error(build_line, item("21"), regime, DAY, 1)
    assert (err.code, err.field) == ("line.vat_rate_not_applicable", "lines[1].vat_rate")
    check_rates_still_valid([build_line(item(None), regime, DAY, 0)], regime, date(2090, 1, 1))


def test_exempt_lines() -> None:
    regime = VatRegime(VatTreatment.EXEMPT, "Article 44 du Code de la TVA")
    assert build_line(item(None), regime, DAY, 0).vat_category is VatCategoryCode.EXEMPT


@pytest.mark.parametrize(("line", "code", "field"), [
    (item(quantity="-1"), "line.quantity_not_positive", "lines[2].quantity"),
    (item(quantity="0"), "line.quantity_not_positive", "lines[2].quantity"),
    (item(price="-0.01"), "money.negative", "lines[2].unit_price"),
    (item(unit="BOX"), "line.unit_code_unknown", "lines[2].unit_code"),
    (item(rate=None), "line.vat_rate_required", "lines[2].vat_rate"),
    (LineInput(" ", Decimal(1), "HUR", Decimal(1), Decimal(21)), "field.required", "lines[2].description"),
])
def test_bad_lines_name_the_field(line: LineInput, code: str, field: str) -> None:
    err = error(build_line, line, NORMAL, DAY, 2)
    assert (err.code, err.field) == (code, field)


def test_a_document_has_lines_but_not_too_many() -> None:
    assert error(build_lines, [], NORMAL, DAY).code == "invoice.no_lines"
    assert error(build_lines, [item()] * 501, NORMAL, DAY).code == "invoice.too_many_lines"
    assert len(build_lines([item()] * 500, NORMAL, DAY)) == 500
