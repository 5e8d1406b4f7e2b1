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
from invoicing.domain.vat import RateCategory

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
                                                 "(reverse charge, exempt, export), or when vat_category is given.")
    vat_category: RateCategory | None = Field(
        default=None, description="The kind of supply (standard, intermediate, reduced, zero, accommodation): the "
                                  "rate in force on the day of supply is taken (GET /api/v1/vat-rates).")
    supply_date: date | None = Field(default=None, description="This line's day of supply, when it differs from "
                                                               "the invoice's: it sets the line's VAT rate.")

    def to_input(self) -> LineInput:
        return LineInput(self.description, self.quantity, self.unit, self.unit_price, self.vat_rate,
                         self.supply_date, self.vat_category)


class ServicePeriodIn(_In):
    start: date
    end: date


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
    rate_category: str | None = None
    supply_date: date | None = None


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
    sendings: list[SendingOut] = Field(default_factory=list,
                                       description="E-mails to the client, newest first (on GET of one quote).")


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
    supply_date: date | None = Field(default=None, description="Day of supply (EN 16931 BT-72); the issue date "
                                                               "when neither it nor a service period is given.")
    service_period: ServicePeriodIn | None = Field(default=None, description="Period the services were supplied "
                                                                             "in (BT-73/74); its end sets the rates.")
    supply_type: Literal["services", "goods"] | None = Field(
        default=None, description="services (default) or goods: goods leaving the EU are an export (G); services "
                                  "to a business outside the EU are outside the scope of Belgian VAT (O).")


class InvoicePatch(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"buyer_reference": "PO-4522"}]})

    client_id: str | None = Field(default=None, min_length=1, max_length=100)
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=500)
    exemption_reference: str | None = Field(default=None, max_length=300)
    buyer_reference: str | None = Field(default=None, max_length=200)
    payment_term_days: int | None = Field(default=None, ge=0, le=120)
    supply_date: date | None = Field(default=None, description="Day of supply (EN 16931 BT-72); the issue date "
                                                               "when neither it nor a service period is given.")
    service_period: ServicePeriodIn | None = Field(default=None, description="Period the services were supplied "
                                                                             "in (BT-73/74); its end sets the rates.")
    supply_type: Literal["services", "goods"] | None = Field(
        default=None, description="services (default) or goods: goods leaving the EU are an export (G); services "
                                  "to a business outside the EU are outside the scope of Belgian VAT (O).")


class ReviewOut(BaseModel):
    state: Literal["pending", "approved", "changes_requested", "rejected"] = Field(
        description="rejected: the advisor refused it and it was cancelled before it had a number.")
    requested_by: str | None = None
    decided_by: str | None = None
    message: str | None = None


class DocumentRef(BaseModel):
    id: str
    number: str


class FileOut(BaseModel):
    """A stored file of an issued document: every download and e-mail carries these exact bytes."""

    name: str = Field(description="pdf, ubl, or reminder-<level>.")
    filename: str
    content_type: str
    sha256: str = Field(description="Hex SHA-256 of the bytes.")
    size: int


class PeppolTransmissionOut(BaseModel):
    """The document's hand-over to the cooperative's Peppol access point (once per document)."""

    receiver: str = Field(description="The buyer's Peppol participant id, <scheme>:<identifier>.")
    status: Literal["queued", "retrying", "accepted", "rejected", "parked"] = Field(
        description="queued: to be handed over; retrying: the access point was unavailable, another attempt "
                    "follows; accepted: the access point took it; rejected: refused for good (see error); "
                    "parked: no more attempts.")
    attempts: int
    error: str | None
    transmission_id: str | None = Field(description="The access point's id of the message, once accepted.")
    accepted_at: datetime | None
    updated_at: datetime


class SendingOut(BaseModel):
    """One request to e-mail the document to the client, and what became of it."""

    id: str
    document_kind: Literal["invoice", "credit_note", "quote", "reminder"]
    to: str | None
    status: Literal["queued", "sent", "failed", "parked"] = Field(
        description="queued: asked; sent: the mail relay took it; failed: an attempt failed, another follows; "
                    "parked: no more attempts (send again once the cause is fixed).")
    attempts: int
    error: str | None
    requested_at: datetime
    updated_at: datetime


class ClientLinkOut(BaseModel):
    client_link_url: str = Field(description="The client's page, no login. Shown once: only its hash is kept.")
    expires_at: datetime


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
    supply_date: date | None = None
    service_period: dict[str, date] | None = None
    supply_type: str = "services"
    structured_communication: str | None
    contribution_rate: Decimal | None = Field(description="Percent of the amount excl. VAT (6.5).")
    contribution: Decimal | None
    activity_share: Decimal | None
    amount_paid: Decimal
    outstanding: Decimal
    sent_on: date | None
    quote_id: str | None
    credit_note: DocumentRef | None = Field(description="The credit note that cancelled the whole invoice.")
    credit_notes: list[DocumentRef] = Field(default_factory=list, description="Every credit note, partial ones too.")
    credited_amount: Decimal = Field(default=Decimal("0.00"), description="Credited so far, VAT included.")
    refunds: list[RefundRef] = Field(default_factory=list, description="Money owed back to the client.")
    credited_invoice: DocumentRef | None
    reason: str | None
    reminders: dict[str, date] = Field(default_factory=dict,
                                       description="Day each step was taken: overdue, first_reminder, formal_notice.")
    write_off_reason: str | None = None
    client_link_expires_at: datetime | None = None
    files: list[FileOut] = Field(default_factory=list, description="The issued document's stored files.")
    sendings: list[SendingOut] = Field(default_factory=list, description="E-mails to the client, newest first.")
    peppol: PeppolTransmissionOut | None = Field(
        default=None, description="Sent through Peppol too (the client has a Peppol id); null otherwise, and in lists.")
    created_at: datetime
    updated_at: datetime
    version: int


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None = None


class CreditLineIn(_In):
    line: int = Field(ge=0, le=999, description="0-based position of the line on the invoice.")
    quantity: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=4,
                                     description="Part of the line's quantity to credit; all of it when absent.")


class CreditNoteIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "Invoiced to the wrong client."},
        {"reason": "One session cancelled.", "lines": [{"line": 0, "quantity": "2"}]},
        {"reason": "Commercial gesture.", "amount_excl_vat": "50.00"}]})

    reason: str = Field(min_length=1, max_length=1000)
    lines: list[CreditLineIn] | None = Field(
        default=None, min_length=1, max_length=200, description="Credit only these lines (a partial credit note).")
    amount_excl_vat: Decimal | None = Field(
        default=None, gt=0, max_digits=15, decimal_places=2,
        description="Credit an amount excl. VAT (invoices with one VAT rate only).")


class RefundRef(BaseModel):
    id: str
    amount: Decimal
    status: Literal["due", "paid"]
    credit_note_id: str


class RefundOut(BaseModel):
    """Money a client paid on an invoice that a credit note gives back."""

    id: str
    status: Literal["due", "paid"]
    amount: Decimal
    currency: str
    activity_id: str
    invoice_id: str
    invoice_number: str
    credit_note_id: str
    credit_note_number: str
    client_id: str
    client_name: str
    client_iban: str | None = Field(description="The account the client paid from, when a bank statement gave it.")
    paid_on: date | None = None
    paid_by: str | None = None
    reference: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class RefundPage(BaseModel):
    items: list[RefundOut]
    next_cursor: str | None = None


class RefundPaidIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"paid_on": "2026-04-02",
                                                                "reference": "SEPA 2026-04-02/17"}]})

    paid_on: date | None = Field(default=None, description="Day the transfer left; today when absent.")
    reference: str | None = Field(default=None, max_length=200)


class ReviewChangesIn(_In):
    """The advisor's words to the member: what to change, or why it is refused."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "Add the dates of the shoot."}]})

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
