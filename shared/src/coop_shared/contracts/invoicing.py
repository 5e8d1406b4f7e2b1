"""Events produced by the invoicing service.

Amounts are decimal strings on the wire (``Decimal`` here), in EUR, rounded to
the cent. "Activity share" is what the activity keeps of an amount excluding
VAT once the cooperative's contribution is taken.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload


class QuoteSent(EventPayload):
    event_type: ClassVar[str] = "invoicing.quote.sent.v1"

    quote_id: str
    activity_id: str
    member_id: str = Field(description="The activity's owner.")
    client_name: str
    client_email: str | None = None
    total_incl_vat: Decimal
    valid_until: date


class QuoteAnswered(EventPayload):
    event_type: ClassVar[str] = "invoicing.quote.answered.v1"

    quote_id: str
    activity_id: str
    member_id: str
    answer: Literal["accepted", "changes_requested", "rejected"]
    message: str | None = None


class QuoteExpired(EventPayload):
    """A sent quote the client did not answer by its validity date; it can no longer be accepted."""

    event_type: ClassVar[str] = "invoicing.quote.expired.v1"

    quote_id: str
    activity_id: str
    member_id: str = Field(description="The activity's owner.")
    valid_until: date
    expired_on: date = Field(description="The day after the validity date (Brussels calendar).")


class InvoiceIssued(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.issued.v1"

    invoice_id: str
    number: str = Field(description="Gapless yearly number, e.g. 2026-000123.")
    activity_id: str
    member_id: str
    client_id: str
    client_name: str
    client_email: str | None = None
    issue_date: date
    due_date: date
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    contribution_rate: Decimal = Field(description="Share of the amount excl. VAT kept by the cooperative (0.065).")
    contribution: Decimal
    activity_share: Decimal = Field(
        description="total_excl_vat − contribution: what the guarantee fund may lend against.")
    intra_cooperative: bool = Field(
        default=False, description="An internal transfer between two activities: no VAT, no contribution, "
                                   "never guarantee cover; numbered INT-YYYY-NNNNNN.")
    structured_communication: str | None = Field(
        default=None, description="The OGM the client pays with (none on an internal transfer).")


class InvoiceReviewed(EventPayload):
    """An advisor's decision on an invoice its member submitted for review."""

    event_type: ClassVar[str] = "invoicing.invoice.reviewed.v1"

    invoice_id: str
    activity_id: str
    member_id: str = Field(description="Who submitted the invoice for review.")
    client_name: str
    decision: Literal["approved", "changes_requested", "rejected"] = Field(
        description="approved: it may be issued; changes_requested: back to its draft; rejected: cancelled.")
    message: str = Field(default="", description="The advisor's message (empty for an approval).")
    decided_by: str
    decided_at: datetime


class InvoiceSent(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.sent.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    client_email: str | None = None


class InvoiceCredited(EventPayload):
    """A credit note (UBL 381) cancelled the invoice, or part of it (``full`` false).

    The credited amount first reduces what the client still owes; what it
    credits beyond that was already paid and becomes a refund owed to the
    client (``refund_*``): exactly the parts that money booked when it was
    received, pro rata, so payroll reverses them to the cent.
    """

    event_type: ClassVar[str] = "invoicing.invoice.credited.v1"

    invoice_id: str
    number: str
    credit_note_id: str
    credit_note_number: str
    activity_id: str
    member_id: str
    total_excl_vat: Decimal = Field(description="The credit note's amount excl. VAT.")
    total_incl_vat: Decimal = Field(description="The credit note's amount incl. VAT.")
    total_vat: Decimal = Field(default=Decimal(0), description="The credit note's VAT.")
    full: bool = Field(default=True, description="The whole invoice is now credited (it is cancelled).")
    outstanding_activity_share: Decimal = Field(
        description="Activity share of the unpaid part this note credits: cover the guarantee loses.")
    unpaid_vat: Decimal = Field(
        default=Decimal(0), description="VAT of the unpaid part credited: the VAT accrued at issue it reverses.")
    refund_id: str | None = Field(default=None, description="The refund owed to the client, when any.")
    refund_incl_vat: Decimal = Field(default=Decimal(0), description="Already paid and now owed back.")
    refund_excl_vat: Decimal = Decimal(0)
    refund_vat: Decimal = Decimal(0)
    refund_contribution: Decimal = Decimal(0)
    refund_activity_share: Decimal = Field(
        default=Decimal(0), description="refund_excl_vat − refund_contribution: taken back from the activity.")


class InvoiceOverdue(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.overdue.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    due_date: date
    outstanding_incl_vat: Decimal


class ReminderSent(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.reminder_sent.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    level: Literal["first_reminder", "formal_notice"]
    client_email: str | None = None
    outstanding_incl_vat: Decimal


class DocumentFile(BaseModel):
    """One file of an issued document, fetched by the notifications service
    from invoicing's internal API (never carried on the bus)."""

    filename: str
    content_type: str
    path: str = Field(description="Internal path on the invoicing service, called with a service token.")
    sha256: str | None = Field(default=None, description="Hex SHA-256 of the stored bytes.")


class DocumentSendRequested(EventPayload):
    """A member asked for a document to be e-mailed to the client."""

    event_type: ClassVar[str] = "invoicing.document.send_requested.v1"

    sending_id: str = Field(description="One per request: the e-mail is sent once for it.")
    document_kind: Literal["invoice", "credit_note", "quote", "reminder"]
    document_id: str = Field(description="The invoice, credit note or quote (a reminder's invoice).")
    number: str | None = None
    activity_id: str
    activity_name: str
    member_id: str
    client_name: str
    client_email: str | None = None
    client_language: str = "fr"
    amount: Decimal | None = Field(default=None, description="Total incl. VAT, or what is still due (reminder).")
    due_date: date | None = None
    valid_until: date | None = None
    structured_communication: str | None = None
    level: Literal["first_reminder", "formal_notice"] | None = None
    client_link: str | None = Field(default=None, description="The client's page, no login (a tokenised URL).")
    member_path: str = Field(description="The member's page of the document in the portal (/app/...).")
    files: list[DocumentFile] = Field(default_factory=list)


class PaymentReceived(EventPayload):
    """Money from a client applied to an invoice (partial or full)."""

    event_type: ClassVar[str] = "invoicing.payment.received.v1"

    payment_id: str
    invoice_id: str
    invoice_number: str
    activity_id: str
    member_id: str
    received_on: date
    amount: Decimal = Field(description="Applied to the invoice, VAT included.")
    amount_excl_vat: Decimal
    vat: Decimal
    contribution: Decimal
    activity_share: Decimal = Field(description="amount_excl_vat − contribution, credited to the activity.")
    outstanding_incl_vat: Decimal = Field(description="Left to pay on the invoice after this payment.")
    fully_paid: bool
    intra_cooperative: bool = False


class PaymentReversed(EventPayload):
    """The bank took back a client payment (a camt.053 reversal): everything it booked is undone.

    The amounts are those of the payment reversed, positive; the invoice asks
    for ``amount`` again.
    """

    event_type: ClassVar[str] = "invoicing.payment.reversed.v1"

    payment_id: str = Field(description="The payment taken back (its invoicing.payment.received.v1).")
    invoice_id: str
    invoice_number: str
    activity_id: str
    member_id: str
    reversed_on: date
    amount: Decimal
    amount_excl_vat: Decimal
    vat: Decimal
    contribution: Decimal
    activity_share: Decimal
    outstanding_incl_vat: Decimal = Field(description="Left to pay on the invoice after the reversal.")
    invoice_status: str = Field(description="partially_paid, issued or sent.")


class InvoicePaid(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.paid.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    paid_on: date


class InvoicePartiallyPaid(EventPayload):
    """A payment was applied and part of the invoice is still unpaid."""

    event_type: ClassVar[str] = "invoicing.invoice.partially_paid.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    paid_on: date
    amount_paid: Decimal = Field(description="Everything applied to the invoice so far, VAT included.")
    outstanding_incl_vat: Decimal


class PaymentUnmatched(EventPayload):
    """Money received that no invoice took: kept apart for an advisor to assign or refund.

    Either a whole bank line (no or unknown structured communication, invoice
    already paid or no longer payable, foreign currency) or the excess of an
    overpayment over the invoice's outstanding amount.
    """

    event_type: ClassVar[str] = "invoicing.payment.unmatched.v1"

    unmatched_id: str
    amount: Decimal
    currency: str = "EUR"
    received_on: date
    reason: str = Field(description="no_reference, ambiguous_reference, unknown_reference, overpayment, "
                                    "invoice_already_paid, invoice_not_payable or currency_not_eur.")
    reference: str | None = Field(default=None, description="The remittance information as the bank gave it.")
    invoice_id: str | None = Field(default=None, description="The invoice the reference names, when there is one.")
    statement_id: str | None = None
    debtor_name: str | None = None


class PaymentAssigned(EventPayload):
    """An advisor applied (part of) an unmatched amount to an invoice.

    The money reaches the invoice through the ``invoicing.payment.received.v1``
    emitted with it (``payment_id``); this event only records the assignment.
    """

    event_type: ClassVar[str] = "invoicing.payment.assigned.v1"

    unmatched_id: str
    payment_id: str
    invoice_id: str
    invoice_number: str
    activity_id: str
    member_id: str
    amount: Decimal = Field(description="Applied to the invoice, VAT included.")
    remaining_unmatched: Decimal
    assigned_by: str


class PaymentRefunded(EventPayload):
    """The rest of an unmatched amount is sent back to the payer (by the bank, outside this service)."""

    event_type: ClassVar[str] = "invoicing.payment.refunded.v1"

    unmatched_id: str
    amount: Decimal
    reason: str
    refunded_by: str


class InvoiceWrittenOff(EventPayload):
    """Declared uncollectable: the guarantee fund absorbs it, never the person."""

    event_type: ClassVar[str] = "invoicing.invoice.written_off.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    outstanding_incl_vat: Decimal
    outstanding_activity_share: Decimal
    reason: str


class RefundPaid(EventPayload):
    """A refund owed to a client after a credit note left the bank."""

    event_type: ClassVar[str] = "invoicing.refund.paid.v1"

    refund_id: str
    invoice_id: str
    credit_note_id: str
    activity_id: str
    amount: Decimal
    paid_on: date
    paid_by: str


class InternalTransferRequested(EventPayload):
    """An activity invoiced another activity of the cooperative: the buyer's manager must approve."""

    event_type: ClassVar[str] = "invoicing.internal_transfer.requested.v1"

    transfer_id: str
    invoice_id: str
    number: str = Field(description="Internal series, e.g. INT-2026-000001.")
    seller_activity_id: str
    buyer_activity_id: str
    amount: Decimal


class InternalTransferApproved(EventPayload):
    """The buyer activity's manager approved: payroll moves the amount from the buyer to the seller."""

    event_type: ClassVar[str] = "invoicing.internal_transfer.approved.v1"

    transfer_id: str
    invoice_id: str
    number: str
    seller_activity_id: str
    buyer_activity_id: str
    amount: Decimal
    approved_by: str


class InternalTransferRejected(EventPayload):
    event_type: ClassVar[str] = "invoicing.internal_transfer.rejected.v1"

    transfer_id: str
    invoice_id: str
    number: str
    seller_activity_id: str
    buyer_activity_id: str
    rejected_by: str
    reason: str


class ExpenseSubmitted(EventPayload):
    event_type: ClassVar[str] = "invoicing.expense.submitted.v1"

    expense_id: str
    activity_id: str
    member_id: str
    amount_incl_vat: Decimal


class ExpenseApproved(EventPayload):
    event_type: ClassVar[str] = "invoicing.expense.approved.v1"

    expense_id: str
    activity_id: str
    member_id: str
    expense_date: date
    supplier: str
    amount_incl_vat: Decimal
    vat: Decimal
    deductible_vat: Decimal = Field(description="Input VAT recovered by the cooperative: it goes back to the budget.")
    amount_charged: Decimal = Field(description="Debited from the activity: amount incl. VAT − deductible VAT.")
    approved_by: str


class ExpenseRejected(EventPayload):
    event_type: ClassVar[str] = "invoicing.expense.rejected.v1"

    expense_id: str
    activity_id: str
    member_id: str
    reason: str


CONTRACTS: tuple[Contract, ...] = (
    Contract(QuoteSent, "invoicing", ("notifications",)),
    Contract(QuoteAnswered, "invoicing", ("notifications",)),
    Contract(QuoteExpired, "invoicing", ("notifications",)),
    Contract(InvoiceIssued, "invoicing", ("payroll", "notifications")),
    Contract(InvoiceReviewed, "invoicing", ("notifications",)),
    Contract(InvoiceSent, "invoicing", ("notifications",)),
    Contract(InvoiceCredited, "invoicing", ("payroll", "notifications")),
    Contract(InvoiceOverdue, "invoicing", ("notifications",)),
    Contract(ReminderSent, "invoicing", ("notifications",)),
    Contract(DocumentSendRequested, "invoicing", ("notifications",)),
    Contract(PaymentReceived, "invoicing", ("payroll", "notifications")),
    Contract(PaymentReversed, "invoicing", ("payroll", "notifications")),
    Contract(InvoicePaid, "invoicing", ("notifications",)),
    Contract(InvoicePartiallyPaid, "invoicing", ("notifications",)),
    Contract(PaymentUnmatched, "invoicing", ("notifications",)),
    Contract(PaymentAssigned, "invoicing", ("notifications",)),
    Contract(PaymentRefunded, "invoicing", ("notifications",)),
    Contract(InvoiceWrittenOff, "invoicing", ("payroll", "notifications")),
    Contract(RefundPaid, "invoicing", ("payroll", "notifications")),
    Contract(InternalTransferRequested, "invoicing", ("notifications",)),
    Contract(InternalTransferApproved, "invoicing", ("payroll", "notifications")),
    Contract(InternalTransferRejected, "invoicing", ("notifications",)),
    Contract(ExpenseSubmitted, "invoicing", ("notifications",)),
    Contract(ExpenseApproved, "invoicing", ("payroll", "notifications")),
    Contract(ExpenseRejected, "invoicing", ("notifications",)),
)
