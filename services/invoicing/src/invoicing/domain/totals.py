"""Invoice lines and totals, computed the EN 16931 way.

Line net = quantity × unit price, rounded half-up to the cent. VAT is then
computed once per (category, rate) on the *sum* of those nets, not per line
and summed: that is what Peppol validators recompute (BR-CO-17), and per-line
rounding would drift by up to half a cent per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicing.domain.checks import require_date, require_text
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.money import (
    ZERO,
    percent_of,
    require_cents,
    require_decimal,
    require_non_negative,
    require_percent,
    round_cents,
    sum_money,
)
from invoicing.domain.vat import LineVat, RateCategory, VatCategoryCode, VatRegime, check_category_rate

CENT = Decimal("0.01")

# UN/ECE Recommendation 20 unit codes members use. Kept to a known list
# because the Peppol schematron rejects unknown codes: better to refuse at
# entry than to produce an invoice that bounces. Extend when needed.
UNIT_CODES: frozenset[str] = frozenset(
    {
        "C62",  # one (unit)
        "H87",  # piece
        "EA",  # each
        "SET",  # set
        "PR",  # pair
        "NAR",  # number of articles
        "E48",  # service unit
        "LS",  # lump sum
        "ZZ",  # mutually defined
        "SEC",  # second
        "MIN",  # minute
        "HUR",  # hour
        "DAY",  # day
        "WEE",  # week
        "MON",  # month
        "ANN",  # year
        "GRM",  # gram
        "KGM",  # kilogram
        "LTR",  # litre
        "MTR",  # metre
        "KMT",  # kilometre
        "MTK",  # square metre
        "MTQ",  # cubic metre
        "KWH",  # kilowatt hour
    }
)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    quantity: Decimal  # may be negative (a correction line) but not zero
    unit_code: str
    unit_price: Decimal  # net, excl. VAT; never negative (EN 16931 BR-27)
    vat_rate: Decimal  # percent
    vat_category: VatCategoryCode
    supply_date: date | None = None  # when this line was supplied, if not the document's day of supply
    rate_category: RateCategory | None = None  # the kind of supply its rate was chosen for, when given

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", require_text(self.description, "description", max_length=1000))
        quantity = require_decimal(self.quantity, "quantity")
        if quantity == 0:
            raise DomainValidationError("line.quantity_zero", "Quantity must not be zero.", "quantity")
        object.__setattr__(self, "quantity", quantity)
        unit = require_text(self.unit_code, "unit_code", max_length=3).upper()
        if unit not in UNIT_CODES:
            raise DomainValidationError(
                "line.unit_code_unknown", f"{self.unit_code!r} is not a supported UN/ECE rec 20 unit code.", "unit_code"
            )
        object.__setattr__(self, "unit_code", unit)
        object.__setattr__(self, "unit_price", require_non_negative(self.unit_price, "unit_price"))
        category = VatCategoryCode(self.vat_category)
        object.__setattr__(self, "vat_category", category)
        rate = require_percent(self.vat_rate, "vat_rate")
        check_category_rate(category, rate)
        object.__setattr__(self, "vat_rate", rate)
        if self.supply_date is not None:
            require_date(self.supply_date, "supply_date")
        if self.rate_category is not None:
            object.__setattr__(self, "rate_category", RateCategory(self.rate_category))

    @classmethod
    def with_vat(
        cls, description: str, quantity: Decimal, unit_code: str, unit_price: Decimal, vat: LineVat
    ) -> InvoiceLine:
        """Build a line from a ``VatRegime.line_vat(...)`` decision."""
        return cls(description, quantity, unit_code, unit_price, vat.rate, vat.category)

    @property
    def net_amount(self) -> Decimal:
        return round_cents(self.quantity * self.unit_price)


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """One UBL ``TaxSubtotal``: all lines sharing a category and rate."""

    category: VatCategoryCode
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    total_excl_vat: Decimal  # UBL LineExtensionAmount = TaxExclusiveAmount (no document allowances)
    vat_total: Decimal  # UBL TaxTotal/TaxAmount
    total_incl_vat: Decimal  # UBL TaxInclusiveAmount
    prepaid: Decimal  # UBL PrepaidAmount
    amount_due: Decimal  # UBL PayableAmount
    breakdown: tuple[VatBreakdown, ...]


def check_lines_for_regime(lines: Iterable[InvoiceLine], regime: VatRegime) -> None:
    """Every line must carry a category the document's VAT treatment allows
    (e.g. only AE on a reverse-charge invoice): a mixed document would be
    rejected by Peppol and, worse, state the wrong tax."""
    allowed = regime.allowed_categories
    for index, line in enumerate(lines):
        if line.vat_category not in allowed:
            raise DomainValidationError(
                "line.vat_category_not_allowed",
                f"Category {line.vat_category.value} is not allowed for a {regime.treatment.value} document.",
                f"lines[{index}].vat_category",
            )


VatGroup = tuple[VatCategoryCode, Decimal]  # (category, rate): one TaxSubtotal


def compute_totals(lines: Iterable[InvoiceLine], prepaid: Decimal = ZERO,
                   vat_rounding: Mapping[VatGroup, Decimal] | None = None) -> InvoiceTotals:
    """Totals of an invoice; the breakdown is ordered by rate (highest first), then code.

    ``vat_rounding`` moves a group's VAT by at most a cent: a partial credit
    note carries the cent its invoice's earlier notes rounded away, so that
    all its notes add up to the invoice's own VAT (BR-CO-17 tolerates it).
    """
    lines = tuple(lines)
    if not lines:
        raise DomainValidationError("invoice.no_lines", "An invoice needs at least one line.", "lines")
    groups: dict[tuple[VatCategoryCode, Decimal], Decimal] = {}
    for line in lines:
        # Decimal(21) and Decimal("21.0") are equal and hash alike: one group.
        key = (line.vat_category, line.vat_rate)
        groups[key] = groups.get(key, ZERO) + line.net_amount
    rounding = dict(vat_rounding or {})
    if any(abs(cents) > CENT for cents in rounding.values()):
        raise DomainValidationError("invoice.vat_rounding", "VAT is moved by one cent at most.", "lines")
    breakdown = tuple(
        VatBreakdown(category, rate, taxable, percent_of(taxable, rate) + rounding.get((category, rate), ZERO))
        for (category, rate), taxable in sorted(groups.items(), key=lambda kv: (-kv[0][1], kv[0][0].value))
    )
    total_excl_vat = sum_money(b.taxable_amount for b in breakdown)
    if total_excl_vat < 0:
        raise DomainValidationError(
            "invoice.negative_total", "An invoice total cannot be negative: issue a credit note.", "lines"
        )
    vat_total = sum_money(b.vat_amount for b in breakdown)
    total_incl_vat = total_excl_vat + vat_total
    prepaid = require_non_negative(require_cents(prepaid, "prepaid"), "prepaid")
    if prepaid > total_incl_vat:
        raise DomainValidationError(
            "invoice.prepaid_exceeds_total", "The prepaid amount exceeds the invoice total.", "prepaid"
        )
    return InvoiceTotals(
        total_excl_vat=total_excl_vat,
        vat_total=vat_total,
        total_incl_vat=total_incl_vat,
        prepaid=prepaid,
        amount_due=total_incl_vat - prepaid,
        breakdown=breakdown,
    )
