"""Input of the legal-document generators (Peppol UBL, PDF, EPC QR code).

Plain frozen dataclasses, independent of the service's domain model, so the
generators can be used and tested on their own. Each object checks its
invariants when it is built: a document that the law or the Peppol rules would
refuse fails here, with a readable message, rather than later in a client's
access point. Money is always `Decimal` with at most two decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Language = Literal["fr", "nl", "en"]

_OGM_FORMAT = re.compile(r"^\+\+\+\d{3}/\d{4}/\d{5}\+\+\+$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_EAS_SCHEME = re.compile(r"^\d{4}$")
_UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def type_code(self) -> str:
        """UNTDID 1001 document type code used by UBL."""
        return "380" if self is DocumentKind.INVOICE else "381"


class VatCategory(StrEnum):
    """UNCL 5305 VAT category codes supported by the cooperative."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    EXPORT = "G"
    NOT_SUBJECT = "O"

    @property
    def needs_exemption_reason(self) -> bool:
        # EN 16931 BR-E/AE/G/O-10 require a reason, BR-S/Z-10 forbid one.
        return self not in (VatCategory.STANDARD, VatCategory.ZERO_RATED)


def round_money(amount: Decimal) -> Decimal:
    """Round half-up to the cent, the rule for line amounts and VAT per rate."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def make_structured_communication(base: str) -> str:
    """Belgian OGM/VCS "+++ddd/dddd/ddddd+++" from 10 digits (adds the mod-97 check)."""
    _require(len(base) == 10 and base.isdigit(), f"need 10 digits, got {base!r}")
    digits = base + ogm_vcs.calc_check_digits(base)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_text(label: str, value: str | None) -> None:
    # Peppol rejects empty elements (PEPPOL-EN16931-R008): optional means None.
    if value is not None:
        _require(bool(value.strip()), f"{label} must not be blank")


def _check_decimal(label: str, value: Decimal) -> None:
    _require(isinstance(value, Decimal), f"{label} must be a Decimal, got {type(value).__name__}")
    _require(value.is_finite(), f"{label} must be finite")


def _check_money(label: str, value: Decimal) -> None:
    _check_decimal(label, value)
    exponent = value.as_tuple().exponent
    _require(isinstance(exponent, int) and exponent >= -2, f"{label} has more than 2 decimals")


def _is_valid_vat_id(vat_id: str) -> bool:
    prefix = vat_id[:2]
    if not _COUNTRY_CODE.match(prefix) or vat_id != vat_id.strip().upper().replace(" ", ""):
        return False
    # Outside the EU (exports) only the ISO prefix required by BR-CO-09 is checked.
    in_eu = prefix == "EL" or prefix.lower() in eu_vat.MEMBER_STATES  # Greece's VAT ids start with EL
    return bool(eu_vat.is_valid(vat_id)) if in_eu else len(vat_id) > 2


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectronicAddress:
    """Peppol electronic address: EAS scheme (e.g. "0208") and identifier."""

    scheme: str
    identifier: str

    def __post_init__(self) -> None:
        _require(bool(_EAS_SCHEME.match(self.scheme)), f"EAS scheme must be 4 digits: {self.scheme!r}")
        _check_text("electronic address", self.identifier)
        if self.scheme == "0208":
            _require(
                self.identifier.isdigit() and be_vat.is_valid(self.identifier),
                f"not a valid Belgian enterprise number: {self.identifier!r}",
            )

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """Seller or buyer. VAT id in compact form with its country prefix (BE0123456749)."""

    name: str
    street: str
    city: str
    postal_code: str
    country_code: str
    vat_id: str | None = None
    enterprise_number: str | None = None
    electronic_address: ElectronicAddress | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        for label in ("name", "street", "city", "postal_code", "email"):
            _check_text(f"party {label}", getattr(self, label))
        _require(bool(_COUNTRY_CODE.match(self.country_code)), f"bad country code {self.country_code!r}")
        if self.vat_id is not None:
            _require(_is_valid_vat_id(self.vat_id), f"not a valid VAT id: {self.vat_id!r}")
        if self.enterprise_number is not None:
            # The BCE/KBO number: 10 digits, same check as the Belgian VAT number.
            number = self.enterprise_number
            _require(number.isdigit() and be_vat.is_valid(number), f"bad enterprise number {number!r}")
        if self.email is not None:
            _require("@" in self.email, f"bad e-mail address {self.email!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentLine:
    """One invoice line; `unit_code` is UN/ECE Rec. 20 (HUR hour, DAY, C62 piece)."""

    id: str
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    net_amount: Decimal
    vat_category: VatCategory
    vat_percent: Decimal
    supply_date: date | None = None  # the day this line was supplied, when it differs from the document's

    def __post_init__(self) -> None:
        _check_text("line id", self.id)
        _check_text("line description", self.description)
        _require(bool(_UNIT_CODE.match(self.unit_code)), f"bad unit code {self.unit_code!r}")
        _check_decimal("quantity", self.quantity)
        _check_decimal("unit price", self.unit_price)
        _check_money("line net amount", self.net_amount)
        _require(self.unit_price >= 0, "unit price must not be negative (EN 16931 BR-27)")
        _check_rate(self.vat_category, self.vat_percent)
        expected = round_money(self.quantity * self.unit_price)
        _require(
            self.net_amount == expected,
            f"line {self.id}: net amount {self.net_amount} != quantity x unit price {expected}",
        )


def _check_rate(category: VatCategory, percent: Decimal) -> None:
    # Identity checks below (`is`) need the enum, not its string value.
    _require(isinstance(category, VatCategory), f"VAT category must be a VatCategory, got {category!r}")
    _check_decimal("VAT percent", percent)
    if category is VatCategory.STANDARD:
        _require(percent > 0, "standard rated VAT needs a positive rate")
    else:
        _require(percent == 0, f"VAT category {category} must have a 0 % rate")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exemption:
    """Why no VAT is charged: legal text (printed) and optional VATEX code."""

    reason: str
    code: str | None = None

    def __post_init__(self) -> None:
        _check_text("exemption reason", self.reason)
        if self.code is not None:
            _require(self.code.startswith("VATEX-"), f"bad VATEX code {self.code!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxSubtotal:
    """VAT breakdown for one category and rate; VAT is rounded on this total."""

    category: VatCategory
    percent: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption: Exemption | None = None
    # A partial credit note's VAT is rounded on what all its invoice's notes credit together, so it may
    # differ from its own taxable amount's by a cent (BR-CO-17 tolerates up to one unit).
    rounding: Decimal = ZERO

    def __post_init__(self) -> None:
        _check_rate(self.category, self.percent)
        _check_money("taxable amount", self.taxable_amount)
        _check_money("tax amount", self.tax_amount)
        _require(abs(self.rounding) <= CENT, f"VAT {self.category} {self.percent} %: rounding beyond a cent")
        expected = round_money(self.taxable_amount * self.percent / 100) + self.rounding
        _require(self.tax_amount == expected, f"VAT {self.category} {self.percent} %: expected {expected}")
        needs_reason = self.category.needs_exemption_reason
        _require(
            (self.exemption is not None) == needs_reason,
            f"VAT category {self.category} {'needs' if needs_reason else 'must not have'} an exemption reason",
        )

    @property
    def key(self) -> tuple[VatCategory, Decimal]:
        return (self.category, self.percent)


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentTotals:
    """Document totals (EN 16931 BG-22); no document-level allowances or charges."""

    line_extension: Decimal
    tax_exclusive: Decimal
    tax_amount: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    prepaid: Decimal = ZERO

    def __post_init__(self) -> None:
        for label in ("line_extension", "tax_exclusive", "tax_amount", "tax_inclusive", "payable", "prepaid"):
            _check_money(label, getattr(self, label))
        _require(self.prepaid >= 0, "prepaid amount must not be negative")
        _require(self.tax_exclusive == self.line_extension, "tax exclusive total != sum of lines")
        _require(self.tax_inclusive == self.tax_exclusive + self.tax_amount, "tax inclusive total mismatch")
        _require(self.payable == self.tax_inclusive - self.prepaid, "payable != tax inclusive - prepaid")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentAccount:
    """Account the client pays to, in compact form (no spaces)."""

    iban: str
    bic: str | None = None

    def __post_init__(self) -> None:
        _require(self.iban == stdnum_iban.compact(self.iban), f"IBAN not in compact form: {self.iban!r}")
        _require(bool(stdnum_iban.is_valid(self.iban)), f"not a valid IBAN: {self.iban!r}")
        if self.bic is not None:
            _require(bool(stdnum_bic.is_valid(self.bic)) and self.bic.isupper(), f"bad BIC {self.bic!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingReference:
    """The invoice a credit note cancels or corrects."""

    number: str
    issue_date: date | None = None

    def __post_init__(self) -> None:
        _check_text("billing reference", self.number)


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyPeriod:
    """The period the services were supplied in (EN 16931 BT-73 / BT-74)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        _require(self.end >= self.start, "the supply period ends before it starts (BR-29)")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceDocument:
    """Everything an invoice or credit note must show, already computed.

    `structured_communication` is the Belgian OGM/VCS, "+++ddd/dddd/ddddd+++".
    `notes` are printed and sent as the document note (legal mentions).
    """

    kind: DocumentKind
    number: str
    issue_date: date
    seller: Party
    buyer: Party
    payee_account: PaymentAccount
    structured_communication: str
    lines: tuple[DocumentLine, ...]
    tax_subtotals: tuple[TaxSubtotal, ...]
    totals: DocumentTotals
    due_date: date | None = None
    currency: Literal["EUR"] = "EUR"
    buyer_reference: str | None = None
    order_reference: str | None = None
    billing_reference: BillingReference | None = None
    payment_terms: str | None = None
    notes: tuple[str, ...] = ()
    language: Language = "fr"
    supply_date: date | None = None  # EN 16931 BT-72, actual delivery date
    period: SupplyPeriod | None = None  # BT-73 / BT-74

    def __post_init__(self) -> None:
        _require(self.supply_date is None or self.period is None, "a supply date or a period, not both")
        self._check_header()
        self._check_kind()
        self._check_lines_and_vat()
        self._check_vat_ids()

    @property
    def ogm_digits(self) -> str:
        """The 12 digits of the structured communication (bank and QR form)."""
        return str(ogm_vcs.compact(self.structured_communication))

    @property
    def categories(self) -> frozenset[VatCategory]:
        return frozenset(line.vat_category for line in self.lines)

    def _check_header(self) -> None:
        _require(isinstance(self.kind, DocumentKind), f"kind must be a DocumentKind, got {self.kind!r}")
        _check_text("document number", self.number)
        for label in ("buyer_reference", "order_reference", "payment_terms"):
            _check_text(label, getattr(self, label))
        for note in self.notes:
            _check_text("note", note)
        _require(self.currency == "EUR", "only EUR documents are supported")
        _require(self.language in ("fr", "nl", "en"), f"unsupported language {self.language!r}")
        # Peppol PEPPOL-EN16931-R003: the buyer must be able to route the document.
        _require(
            self.buyer_reference is not None or self.order_reference is not None,
            "a buyer reference or an order reference is required",
        )
        ogm = self.structured_communication
        _require(bool(_OGM_FORMAT.match(ogm)) and ogm_vcs.is_valid(ogm), f"bad structured communication {ogm!r}")

    def _check_kind(self) -> None:
        if self.kind is DocumentKind.INVOICE:
            if self.due_date is None:
                raise ValueError("an invoice needs a due date")
            _require(self.due_date >= self.issue_date, "due date is before issue date")
            return
        _require(self.billing_reference is not None, "a credit note must reference the invoice it credits")
        # UBL CreditNote has no header due date: settlement goes in the payment terms
        # (EN 16931 BR-CO-25 needs one of the two when an amount is due).
        _require(self.due_date is None, "a credit note has no due date, use payment_terms")
        _require(
            self.totals.payable <= 0 or self.payment_terms is not None,
            "a credit note with an amount due needs payment_terms",
        )

    def _check_lines_and_vat(self) -> None:
        _require(bool(self.lines), "a document needs at least one line")
        ids = [line.id for line in self.lines]
        _require(len(set(ids)) == len(ids), "line ids must be unique")
        rounding = {s.key: s.rounding for s in self.tax_subtotals if s.rounding}
        _require(not rounding or self.kind is DocumentKind.CREDIT_NOTE, "only a credit note carries VAT rounding")
        expected = compute_tax_subtotals(self.lines, _exemptions_of(self.tax_subtotals), rounding)
        _require(
            sorted(self.tax_subtotals, key=_subtotal_order) == list(expected),
            "tax subtotals do not match the lines (one per VAT category and rate)",
        )
        expected_totals = compute_totals(self.lines, expected, prepaid=self.totals.prepaid)
        _require(self.totals == expected_totals, f"totals do not match the lines: expected {expected_totals}")
        # EN 16931 BR-O-11..14: "not subject to VAT" cannot be mixed with other categories.
        _require(
            VatCategory.NOT_SUBJECT not in self.categories or len(self.categories) == 1,
            "VAT category O cannot be combined with other categories",
        )

    def _check_vat_ids(self) -> None:
        if self.categories != {VatCategory.NOT_SUBJECT}:
            _require(self.seller.vat_id is not None, "the seller's VAT id is required")
        if VatCategory.REVERSE_CHARGE in self.categories:
            # The client pays the VAT itself: its VAT id must be on the invoice (BR-AE-02).
            _require(self.buyer.vat_id is not None, "reverse charge needs the buyer's VAT id")


def _subtotal_order(subtotal: TaxSubtotal) -> tuple[int, Decimal]:
    return (list(VatCategory).index(subtotal.category), -subtotal.percent)


def _exemptions_of(subtotals: Iterable[TaxSubtotal]) -> dict[VatCategory, Exemption]:
    return {s.category: s.exemption for s in subtotals if s.exemption is not None}


def compute_tax_subtotals(
    lines: Iterable[DocumentLine], exemptions: Mapping[VatCategory, Exemption] | None = None,
    rounding: Mapping[tuple[VatCategory, Decimal], Decimal] | None = None,
) -> tuple[TaxSubtotal, ...]:
    """One VAT breakdown per (category, rate); VAT rounded on each breakdown total.

    `exemptions` gives the reason for each category that charges no VAT
    (E, AE, G, O); it is ignored for the others. `rounding` is a partial
    credit note's cent per breakdown (see ``TaxSubtotal.rounding``).
    """
    moved = rounding or {}
    taxable: dict[tuple[VatCategory, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_percent)
        taxable[key] = taxable.get(key, ZERO) + line.net_amount
    reasons = exemptions or {}
    subtotals = [
        TaxSubtotal(
            category=category,
            percent=percent,
            taxable_amount=amount,
            tax_amount=round_money(amount * percent / 100) + moved.get((category, percent), ZERO),
            exemption=reasons.get(category) if category.needs_exemption_reason else None,
            rounding=moved.get((category, percent), ZERO),
        )
        for (category, percent), amount in taxable.items()
    ]
    return tuple(sorted(subtotals, key=_subtotal_order))


def compute_totals(
    lines: Iterable[DocumentLine], subtotals: Iterable[TaxSubtotal], *, prepaid: Decimal = ZERO
) -> DocumentTotals:
    """Totals from the lines and the VAT breakdown (no document-level allowances)."""
    line_extension = sum((line.net_amount for line in lines), ZERO)
    tax_amount = sum((s.tax_amount for s in subtotals), ZERO)
    tax_inclusive = line_extension + tax_amount
    return DocumentTotals(
        line_extension=line_extension,
        tax_exclusive=line_extension,
        tax_amount=tax_amount,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid,
        payable=tax_inclusive - prepaid,
    )
