"""Turning what a member types (description, quantity, unit, unit price, VAT
rate) into domain invoice lines, for the VAT regime of the document.

The rate is given in percent and must be one of the Belgian rates in force on
the day (21, 12, 6 or 0 today, from the dated table): a rate that is not law on
that day is refused rather than rounded to the nearest one. Under a regime that
charges no Belgian VAT (reverse charge, exemption, export, intra-cooperative),
every line is at 0 % in the regime's category; a positive rate there would
state a tax the client does not owe, so it is refused too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.money import require_decimal
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import BELGIAN_VAT_RATES, RateCategory, VatCategoryCode, VatRateTable, VatRegime, VatTreatment

MAX_LINES = 500


@dataclass(frozen=True, slots=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    vat_rate: Decimal | None  # percent; None only where the regime fixes it at 0 %


def rates_in_force(on: date, table: VatRateTable = BELGIAN_VAT_RATES) -> tuple[Decimal, ...]:
    """The distinct rates (percent) some category has on ``on``, highest first."""
    found: set[Decimal] = set()
    for category in RateCategory:
        try:
            found.add(table.rate_for(category, on))
        except DomainValidationError:
            continue  # a category with no row yet on that day
    return tuple(sorted(found, reverse=True))


def build_line(
    item: LineInput, regime: VatRegime, on: date, index: int, table: VatRateTable = BELGIAN_VAT_RATES
) -> InvoiceLine:
    where = f"lines[{index}]"
    quantity = require_decimal(item.quantity, f"{where}.quantity")
    if quantity <= 0:
        # The domain accepts negative correction lines; the API does not: a
        # correction is a credit note, and a negative line hides a discount.
        raise DomainValidationError(
            "line.quantity_not_positive", "Quantity must be greater than zero.", f"{where}.quantity"
        )
    if regime.treatment is VatTreatment.NORMAL:
        if item.vat_rate is None:
            raise DomainValidationError("line.vat_rate_required", "Each line needs a VAT rate.", f"{where}.vat_rate")
        rate = require_decimal(item.vat_rate, f"{where}.vat_rate")
        allowed = rates_in_force(on, table)
        if rate not in allowed:
            listed = ", ".join(f"{r.normalize():f}" for r in allowed)
            raise DomainValidationError(
                "line.vat_rate_unknown",
                f"{rate.normalize():f} % is not a Belgian VAT rate on {on.isoformat()} (rates: {listed}).",
                f"{where}.vat_rate",
            )
        category = VatCategoryCode.STANDARD if rate > 0 else VatCategoryCode.ZERO_RATED
    else:
        if item.vat_rate is not None and require_decimal(item.vat_rate, f"{where}.vat_rate") != 0:
            raise DomainValidationError(
                "line.vat_rate_not_applicable",
                f"No Belgian VAT is charged on a {regime.treatment.value} document: the rate must be 0.",
                f"{where}.vat_rate",
            )
        rate = Decimal(0)
        (category,) = regime.allowed_categories
    try:
        return InvoiceLine(item.description, quantity, item.unit_code, item.unit_price, rate, category)
    except DomainValidationError as exc:
        raise DomainValidationError(exc.code, exc.message, f"{where}.{exc.field}" if exc.field else where) from exc


def build_lines(
    items: Sequence[LineInput], regime: VatRegime, on: date, table: VatRateTable = BELGIAN_VAT_RATES
) -> tuple[InvoiceLine, ...]:
    if not items:
        raise DomainValidationError("invoice.no_lines", "At least one line is needed.", "lines")
    if len(items) > MAX_LINES:
        raise DomainValidationError("invoice.too_many_lines", f"At most {MAX_LINES} lines.", "lines")
    return tuple(build_line(item, regime, on, index, table) for index, item in enumerate(items))


def check_rates_still_valid(
    lines: Sequence[InvoiceLine], regime: VatRegime, on: date, table: VatRateTable = BELGIAN_VAT_RATES
) -> None:
    """At issue, the rates of a draft written earlier must still be law."""
    if regime.treatment is not VatTreatment.NORMAL:
        return
    allowed = rates_in_force(on, table)
    for index, line in enumerate(lines):
        if line.vat_rate not in allowed:
            raise DomainValidationError(
                "line.vat_rate_unknown",
                f"{line.vat_rate.normalize():f} % is no longer a VAT rate on {on.isoformat()}: update the draft.",
                f"lines[{index}].vat_rate",
            )
