"""Request and response bodies of the invoicing API.

Money and quantities travel as decimal strings ("1234.50"); numbers are
accepted on input but never produced. Dates are ISO days (2026-03-16).
Requests refuse unknown fields, so a typo is an error, not a silent no-op.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from invoicing.domain.lines import LineInput

Language = Literal["fr", "nl", "en"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- clients -------------------------------------------------------------------------


class AddressIn(_In):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. BE.")


_COMPANY_EXAMPLE: dict[str, JsonValue] = {
    "activity_id": "act-7f3c", "kind": "company", "name": "Théâtre de la Lune SRL",
    "email": "compta@theatre-lune.example", "language": "fr", "vat_number": "BE0765432146",
    "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"},
}


class ClientCreate(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [_COMPANY_EXAMPLE, {
        "activity_id": "act-7f3c", "kind": "person", "name": "Camille Martin", "email": "camille@example.org",
        "address": {"street": "Rue Haute 5", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}]})

    activity_id: str = Field(min_length=1, max_length=100)
    kind: Literal["company", "person"]
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    language: Language = Field(default="fr", description="Language of the documents sent to this client.")
    address: AddressIn
    vat_number: str | None = Field(default=None, max_length=30,
                                   description="EU VAT number (checked, e.g. BE0123456749) or a foreign tax number.")
    enterprise_number: str | None = Field(default=None, max_length=20, description="Belgian companies (KBO/BCE).")
    peppol_id: str | None = Field(default=None, max_length=100,
                                  description="Defaults to 0208:<enterprise number> for Belgian companies.")
    cooperative_activity_id: str | None = Field(
        default=None, max_length=100, description="The client is another activity of the cooperative: no VAT, "
                                                  "no contribution.")


class ClientPatch(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "finance@theatre-lune.example"}]})

    kind: Literal["company", "person"] | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    language: Language | None = None
    address: AddressIn | None = None
    vat_number: str | None = Field(default=None, max_length=30)
    enterprise_number: str | None = Field(default=None, max_length=20)
    peppol_id: str | None = Field(default=None, max_length=100)
    cooperative_activity_id: str | None = Field(default=None, max_length=100)


class AddressOut(BaseModel):
    street: str
    postal_code: str
    city: str
    country: str


class ClientOut(BaseModel):
    id: str
    activity_id: str
    kind: Literal["company", "person"]
    name: str
    email: str | None
    language: str
    address: AddressOut
    vat_number: str | None
    enterprise_number: str | None
    peppol_id: str | None
    cooperative_activity_id: str | None
    eu: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ClientPage(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None = None


# -- lines, totals -----------------------------------------------------------------------


class LineIn(_In):
    description: str = Field(min_length=1, max_length=1000)
    quantity: Decimal = Field(max_digits=15, decimal_places=4, description="Greater than zero.")
    unit: str = Field(default="C62", min_length=1, max_length=3,
                      description="UN/ECE rec. 20 code: HUR hour, DAY day, C62 piece, LS lump sum...")
    unit_price: Decimal = Field(max_digits=15, decimal_places=6, description="Excl. VAT, in EUR.")
    vat_rate: Decimal | None = Field(default=None, max_digits=5, decimal_places=2,
                                     description="Percent: 21, 12, 6 or 0. Leave out when no Belgian VAT applies "
                                                 "(reverse charge, exempt, export).")

    def to_input(self) -> LineInput:
        return LineInput(self.description, self.quantity, self.unit, self.unit_price, self.vat_rate)


_LINES_EXAMPLE: list[JsonValue] = [
    {"description": "Création sonore du spectacle", "quantity": "12", "unit": "HUR", "unit_price": "65.00",
     "vat_rate": "21"},
    {"description": "Livrets imprimés", "quantity": "150", "unit": "C62", "unit_price": "2.35", "vat_rate": "6"},
]


class LineOut(BaseModel):
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    vat_category: str = Field(description="UNCL5305: S, Z, E, AE, G or O.")
    net_amount: Decimal


class VatBreakdownOut(BaseModel):
    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


class TotalsOut(BaseModel):
    total_excl_vat: Decimal
    vat_total: Decimal
    total_incl_vat: Decimal
    amount_due: Decimal
    breakdown: list[VatBreakdownOut]


class ClientSnapshotOut(BaseModel):
    id: str
    kind: str
    name: str
    email: str | None
    country: str
    vat_number: str | None


class VatOut(BaseModel):
    treatment: str = Field(description="normal, reverse_charge, exempt, export, intra_cooperative...")
    legal_reference: str | None
    mention: str | None = Field(description="Printed on the document, e.g. 'Autoliquidation'.")


# -- quotes -----------------------------------------------------------------------------


class QuoteCreate(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "activity_id": "act-7f3c", "client_id": "c-91", "valid_until": "2026-04-30", "lines": _LINES_EXAMPLE}]})

    activity_id: str = Field(min_length=1, max_length=100)
    client_id: str = Field(min_length=1, max_length=100)
    valid_until: date
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    exemption_reference: str | None = Field(default=None, max_length=300,
                                            description="Legal basis of a VAT exemption (makes the quote exempt).")


class QuotePatch(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"valid_until": "2026-05-15"}]})

    client_id: str | None = Field(default=None, min_length=1, max_length=100)
    valid_until: date | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=500)
    exemption_reference: str | None = Field(default=None, max_length=300)


class QuoteOut(BaseModel):
    id: str
    activity_id: str
    activity_name: str | None
    client_id: str
    client: ClientSnapshotOut
    status: str
    expired: bool
    valid_until: date
    vat: VatOut
    lines: list[LineOut]
    totals: TotalsOut | None
    sent_on: date | None
    answered_on: date | None
    client_comment: str | None
    invoice_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class QuotePage(BaseModel):
    items: list[QuoteOut]
    next_cursor: str | None = None


class QuoteLinkOut(BaseModel):
    quote: QuoteOut
    client_link_token: str | None = Field(
        description="Shown once: only its hash is kept. Null on an Idempotency-Key replay (renew the link).")
    client_link_path: str | None
    link_expires_at: datetime


class SellerOut(BaseModel):
    name: str
    vat_number: str
    address: str


class PublicQuoteOut(BaseModel):
    """What the client sees through the link: this quote and nothing else."""

    seller: SellerOut
    activity_name: str | None
    client_name: str
    status: str
    expired: bool
    valid_until: date
    vat: VatOut
    lines: list[LineOut]
    totals: TotalsOut | None
    sent_on: date | None
    answered_on: date | None
    client_comment: str | None


class AcceptIn(_In):
    pass


class RequestChangesIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "Could you split the sound design?"}]})

    message: str = Field(min_length=1, max_length=5000)


class RejectIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Over our budget this season."}]})

    reason: str = Field(min_length=1, max_length=5000)


# -- invoices ---------------------------------------------------------------------------


class InvoiceCreate(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "activity_id": "act-7f3c", "client_id": "c-91", "lines": _LINES_EXAMPLE, "buyer_reference": "PO-4521"}]})

    activity_id: str = Field(min_length=1, max_length=100)
    client_id: str = Field(min_length=1, max_length=100)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    exemption_reference: str | None = Field(default=None, max_length=300)
    buyer_reference: str | None = Field(default=None, max_length=200, description="The client's PO or reference.")
    payment_term_days: int | None = Field(default=None, ge=0, le=120)
    review_required: bool = Field(default=False, description="Ask an advisor to approve before issue.")


class InvoicePatch(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"buyer_reference": "PO-4522"}]})

    client_id: str | None = Field(default=None, min_length=1, max_length=100)
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=500)
    exemption_reference: str | None = Field(default=None, max_length=300)
    buyer_reference: str | None = Field(default=None, max_length=200)
    payment_term_days: int | None = Field(default=None, ge=0, le=120)


class ReviewOut(BaseModel):
    state: str = Field(description="pending, approved or changes_requested.")
    requested_by: str | None = None
    decided_by: str | None = None
    message: str | None = None


class DocumentRef(BaseModel):
    id: str
    number: str


class InvoiceOut(BaseModel):
    id: str
    kind: Literal["invoice", "credit_note"]
    number: str | None
    activity_id: str
    activity_name: str | None
    client_id: str
    client: ClientSnapshotOut
    status: str
    overdue: bool
    review_required: bool
    review: ReviewOut | None
    vat: VatOut
    lines: list[LineOut]
    totals: TotalsOut | None
    buyer_reference: str | None
    payment_term_days: int | None
    issue_date: date | None
    due_date: date | None
    structured_communication: str | None
    contribution_rate: Decimal | None = Field(description="Percent of the amount excl. VAT (6.5).")
    contribution: Decimal | None
    activity_share: Decimal | None
    amount_paid: Decimal
    outstanding: Decimal
    sent_on: date | None
    quote_id: str | None
    credit_note: DocumentRef | None
    credited_invoice: DocumentRef | None
    reason: str | None
    reminders: dict[str, date] = Field(default_factory=dict,
                                       description="Day each step was taken: overdue, first_reminder, formal_notice.")
    write_off_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None = None


class CreditNoteIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Invoiced to the wrong client."}]})

    reason: str = Field(min_length=1, max_length=1000)


class ReviewChangesIn(_In):
    message: str = Field(min_length=1, max_length=5000)


class PricingOut(BaseModel):
    labour: Decimal
    expenses: Decimal
    contribution_rate: Decimal = Field(description="Percent.")
    amount_excl_vat: Decimal = Field(description="(labour + expenses) / (1 − rate), to invoice excl. VAT.")
    contribution: Decimal
    activity_share: Decimal


class VatRateOut(BaseModel):
    category: str
    rate: Decimal
    effective_from: date


class VatRatesOut(BaseModel):
    on: date
    rates_in_force: list[Decimal] = Field(description="Rates a line may use on that day, highest first.")
    in_force: list[VatRateOut]
    history: list[VatRateOut]
