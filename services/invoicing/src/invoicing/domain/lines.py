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
    vat_rate: Decimal | None  # percent; None where the regime fixes it at 0 % or a category chooses it
    supply_date: date | None = None  # this line's day of supply; the document's otherwise
    vat_category: RateCategory | None = None  # the kind of supply: its rate on the day of supply is taken


def supply_day(line_day: date | None, document_day: date) -> date:
    """The tax point of a line: its own day of supply, else the document's (the issue date by default)."""
    return line_day if line_day is not None else document_day


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
    day = supply_day(item.supply_date, on)
    if regime.treatment is VatTreatment.NORMAL and item.vat_category is not None:
        # The law sets the rate of a kind of supply on its day of supply (accommodation: 6 % until
        # 2026-02-28, 12 % from 2026-03-01): taken from the dated table, a typed rate must agree.
        try:
            rate = table.rate_for(RateCategory(item.vat_category), day)
        except DomainValidationError as exc:
            raise DomainValidationError(exc.code, exc.message, f"{where}.vat_category") from exc
        if item.vat_rate is not None and require_decimal(item.vat_rate, f"{where}.vat_rate") != rate:
            raise DomainValidationError(
                "line.vat_rate_mismatch",
                f"{item.vat_category} supplied on {day.isoformat()} is at {rate.normalize():f} %, "
                f"not {item.vat_rate.normalize():f} %.",
                f"{where}.vat_rate",
            )
        category = VatCategoryCode.STANDARD if rate > 0 else VatCategoryCode.ZERO_RATED
    elif regime.treatment is VatTreatment.NORMAL:
        if item.vat_rate is None:
            raise DomainValidationError("line.vat_rate_required", "Each line needs a VAT rate.", f"{where}.vat_rate")
        rate = require_decimal(item.vat_rate, f"{where}.vat_rate")
        allowed = rates_in_force(day, table)
        if rate not in allowed:
            listed = ", ".join(f"{r.normalize():f}" for r in allowed)
            raise DomainValidationError(
                "line.vat_rate_unknown",
                f"{rate.normalize():f} % is not a Belgian VAT rate on {day.isoformat()} (rates: {listed}).",
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
        return InvoiceLine(item.description, quantity, item.unit_code, item.unit_price, rate, category,
                           item.supply_date, item.vat_category)
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
    """At issue, each line's rate must be the law on its day of supply (``on``, the
    document's, unless the line has its own): a draft written before a rate change
    whose supply falls after it is refused, not issued at the old rate."""
    if regime.treatment is not VatTreatment.NORMAL:
        return
    for index, line in enumerate(lines):
        day = supply_day(line.supply_date, on)
        if line.rate_category is not None:
            expected = table.rate_for(line.rate_category, day)
            if line.vat_rate != expected:
                raise DomainValidationError(
                    "line.vat_rate_changed",
                    f"{line.rate_category} supplied on {day.isoformat()} is at {expected.normalize():f} %, "
                    f"not {line.vat_rate.normalize():f} %: update the draft.",
                    f"lines[{index}].vat_rate",
                )
        elif line.vat_rate not in rates_in_force(day, table):
            raise DomainValidationError(
                "line.vat_rate_unknown",
                f"{line.vat_rate.normalize():f} % is no longer a VAT rate on {day.isoformat()}: update the draft.",
                f"lines[{index}].vat_rate",
            )
