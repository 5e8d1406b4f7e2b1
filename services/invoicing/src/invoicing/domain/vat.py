"""VAT: dated rates, the VAT treatment of an invoice and its UNCL5305 codes.

Rates are data (category, rate, effective_from), never constants: Belgium
changes them (hotels and camping went from 6 % to 12 % on 2026-03-01) and an
invoice is computed with the rates of its own tax point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.domain.checks import require_date, require_text
from invoicing.domain.clients import EU_COUNTRIES, Client
from invoicing.domain.dated import effective_row
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.money import require_percent


class RateCategory(StrEnum):
    """What kind of supply a line is, which decides its rate on a given day."""

    STANDARD = "standard"
    INTERMEDIATE = "intermediate"
    REDUCED = "reduced"
    ZERO = "zero"
    ACCOMMODATION = "accommodation"  # hotels and camping sites


class VatCategoryCode(StrEnum):
    """UNCL5305 duty/tax category codes used by EN 16931 / Peppol BIS 3.0."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_EU_GOODS = "K"  # listed for completeness; members supply services, never derived
    EXPORT = "G"
    NOT_SUBJECT = "O"


@dataclass(frozen=True, slots=True)
class VatRate:
    category: RateCategory
    rate: Decimal  # percent: 21 means 21 %
    effective_from: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", RateCategory(self.category))
        object.__setattr__(self, "rate", require_percent(self.rate))
        require_date(self.effective_from, "effective_from")


class VatRateTable:
    """All rate rows; a row stays in force until a later row of its category."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Iterable[VatRate]) -> None:
        ordered = tuple(sorted(rows, key=lambda r: (r.category, r.effective_from)))
        keys = [(r.category, r.effective_from) for r in ordered]
        if len(set(keys)) != len(keys):
            raise DomainValidationError(
                "vat.duplicate_rate", "Two rates for one category start on the same day.", "rates"
            )
        self._rows = ordered

    @property
    def rows(self) -> tuple[VatRate, ...]:
        return self._rows

    def with_rate(self, row: VatRate) -> VatRateTable:
        """A new table with a future (or corrected historical) rate added."""
        return VatRateTable((*self._rows, row))

    def rate_for(self, category: RateCategory, on: date) -> Decimal:
        require_date(on, "on")
        row = effective_row((r for r in self._rows if r.category == category), on)
        if row is None:
            raise DomainValidationError(
                "vat.rate_not_defined", f"No {category} VAT rate is defined on {on.isoformat()}.", "vat_rate"
            )
        return row.rate


# The table starts in 1996 (21 % standard rate since 1996-01-01); the
# platform issues nothing older, so earlier history is not recorded.
_TABLE_START = date(1996, 1, 1)

BELGIAN_VAT_RATES = VatRateTable(
    [
        VatRate(RateCategory.STANDARD, Decimal(21), _TABLE_START),
        VatRate(RateCategory.INTERMEDIATE, Decimal(12), _TABLE_START),
        VatRate(RateCategory.REDUCED, Decimal(6), _TABLE_START),
        VatRate(RateCategory.ZERO, Decimal(0), _TABLE_START),
        VatRate(RateCategory.ACCOMMODATION, Decimal(6), _TABLE_START),
        VatRate(RateCategory.ACCOMMODATION, Decimal(12), date(2026, 3, 1)),
    ]
)


def vat_rate(category: RateCategory, on: date, table: VatRateTable = BELGIAN_VAT_RATES) -> Decimal:
    """The rate in percent for ``category`` on day ``on``."""
    return table.rate_for(category, on)


def check_category_rate(category: VatCategoryCode, rate: Decimal, field: str = "vat_rate") -> None:
    """EN 16931 BR-S-05 / BR-Z-05 / BR-E-05 / BR-AE-05 / BR-G-05 / BR-O-05:
    only S carries a positive rate; every other category is at 0 %."""
    rate = require_percent(rate, field)
    if category is VatCategoryCode.STANDARD and rate == 0:
        raise DomainValidationError("vat.rate_category_mismatch", "Category S needs a rate above 0 %.", field)
    if category is not VatCategoryCode.STANDARD and rate != 0:
        raise DomainValidationError(
            "vat.rate_category_mismatch", f"Category {category.value} must have a 0 % rate.", field
        )


class VatTreatment(StrEnum):
    NORMAL = "normal"  # Belgian VAT charged (S, or Z for 0 % goods)
    REVERSE_CHARGE = "reverse_charge"  # intra-EU B2B service: the client self-assesses
    EXEMPT = "exempt"  # exempt by law (e.g. art. 44 VAT code); needs the legal reference
    EXPORT = "export"  # goods leaving the EU: exempt (art. 39), category G
    SERVICES_OUTSIDE_EU = "services_outside_eu"  # services to a business outside the EU: taxed there, category O
    NOT_SUBJECT = "not_subject"  # outside the scope of VAT
    INTRA_COOPERATIVE = "intra_cooperative"  # two activities of the same legal entity


@dataclass(frozen=True, slots=True)
class LineVat:
    rate: Decimal
    category: VatCategoryCode


_FIXED_CATEGORY = {
    VatTreatment.REVERSE_CHARGE: VatCategoryCode.REVERSE_CHARGE,
    VatTreatment.EXEMPT: VatCategoryCode.EXEMPT,
    VatTreatment.EXPORT: VatCategoryCode.EXPORT,
    VatTreatment.NOT_SUBJECT: VatCategoryCode.NOT_SUBJECT,
    # The place of supply is the client's country (art. 21, § 2): Belgian VAT is out of scope.
    VatTreatment.SERVICES_OUTSIDE_EU: VatCategoryCode.NOT_SUBJECT,
    # One legal entity cannot supply itself: outside the scope, hence O.
    VatTreatment.INTRA_COOPERATIVE: VatCategoryCode.NOT_SUBJECT,
}

# CEF VATEX codes: Peppol requires an exemption reason (code or text) for these.
_EXEMPTION_REASON_CODES = {
    VatTreatment.REVERSE_CHARGE: "VATEX-EU-AE",
    VatTreatment.EXPORT: "VATEX-EU-G",
    VatTreatment.NOT_SUBJECT: "VATEX-EU-O",
    VatTreatment.SERVICES_OUTSIDE_EU: "VATEX-EU-O",
    VatTreatment.INTRA_COOPERATIVE: "VATEX-EU-O",
}

REVERSE_CHARGE_MENTION = "Autoliquidation"


@dataclass(frozen=True, slots=True)
class VatRegime:
    """How VAT applies to a whole invoice or quote."""

    treatment: VatTreatment
    legal_reference: str | None = None  # mandatory for EXEMPT, refused otherwise

    def __post_init__(self) -> None:
        treatment = VatTreatment(self.treatment)
        object.__setattr__(self, "treatment", treatment)
        if treatment is VatTreatment.EXEMPT:
            if self.legal_reference is None:
                raise DomainValidationError(
                    "vat.legal_reference_required",
                    "An exempt invoice must cite the legal basis of the exemption.",
                    "legal_reference",
                )
            object.__setattr__(
                self, "legal_reference", require_text(self.legal_reference, "legal_reference", max_length=300)
            )
        elif self.legal_reference is not None:
            raise DomainValidationError(
                "vat.legal_reference_unexpected",
                "A legal reference only applies to an exempt invoice.",
                "legal_reference",
            )

    @property
    def allowed_categories(self) -> frozenset[VatCategoryCode]:
        if self.treatment is VatTreatment.NORMAL:
            return frozenset({VatCategoryCode.STANDARD, VatCategoryCode.ZERO_RATED})
        return frozenset({_FIXED_CATEGORY[self.treatment]})

    def line_vat(self, category: RateCategory, on: date, table: VatRateTable = BELGIAN_VAT_RATES) -> LineVat:
        """Rate and UNCL5305 code of a line of ``category`` supplied on ``on``."""
        if self.treatment is VatTreatment.NORMAL:
            rate = table.rate_for(category, on)
            code = VatCategoryCode.STANDARD if rate > 0 else VatCategoryCode.ZERO_RATED
            return LineVat(rate, code)
        return LineVat(Decimal(0), _FIXED_CATEGORY[self.treatment])

    @property
    def mention(self) -> str | None:
        """Text the invoice must print for this treatment."""
        if self.treatment is VatTreatment.REVERSE_CHARGE:
            return REVERSE_CHARGE_MENTION
        if self.treatment is VatTreatment.EXEMPT:
            return self.legal_reference
        return None

    @property
    def exemption_reason_code(self) -> str | None:
        """VATEX code for UBL ``TaxExemptionReasonCode`` (EXEMPT uses the text instead)."""
        return _EXEMPTION_REASON_CODES.get(self.treatment)

    @property
    def charges_contribution(self) -> bool:
        """The cooperative takes no contribution on money moving between its own activities."""
        return self.treatment is not VatTreatment.INTRA_COOPERATIVE


class SupplyType(StrEnum):
    SERVICES = "services"
    GOODS = "goods"


def decide_regime(
    client: Client,
    *,
    intra_cooperative: bool = False,
    exemption_reference: str | None = None,
    supply_type: SupplyType = SupplyType.SERVICES,
) -> VatRegime:
    """Default VAT treatment for an invoice to ``client`` (the seller is Belgian).

    Simplified on purpose: services under the general place-of-supply rules
    (art. 21 and 21bis of the VAT code). Special cases (immovable property,
    admission to events, distance sales of goods) must be set explicitly.
    """
    if intra_cooperative:
        return VatRegime(VatTreatment.INTRA_COOPERATIVE)
    if exemption_reference is not None:
        return VatRegime(VatTreatment.EXEMPT, exemption_reference)
    if client.country == "BE":
        return VatRegime(VatTreatment.NORMAL)
    if client.country in EU_COUNTRIES:
        # B2B with a VAT number: taxed where the client is, by the client.
        # Without one the client is treated as a consumer: Belgian VAT.
        if client.has_eu_vat_number:
            return VatRegime(VatTreatment.REVERSE_CHARGE)
        return VatRegime(VatTreatment.NORMAL)
    # Goods leaving the EU are exempt exports (G), whoever buys them. Services
    # to a business outside the EU are supplied where it is established: outside
    # the scope of Belgian VAT (O); a consumer there pays Belgian VAT.
    if supply_type is SupplyType.GOODS:
        return VatRegime(VatTreatment.EXPORT)
    return VatRegime(VatTreatment.SERVICES_OUTSIDE_EU if client.is_business else VatTreatment.NORMAL)


def check_regime_for_client(regime: VatRegime, client: Client) -> None:
    """Reverse charge shifts the tax to the client, which is only possible
    for a business identified for VAT in another member state (EN 16931
    BR-AE-02 also requires the buyer's VAT number on the invoice)."""
    if regime.treatment is VatTreatment.REVERSE_CHARGE and not (client.has_eu_vat_number and client.country != "BE"):
        raise DomainValidationError(
            "vat.reverse_charge_not_applicable",
            "Reverse charge needs a business client with a VAT number in another EU state.",
            "regime",
        )
