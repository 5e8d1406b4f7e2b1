"""Events produced by the invoicing service.

Amounts are decimal strings on the wire (``Decimal`` here), in EUR, rounded to
the cent. "Activity share" is what the activity keeps of an amount excluding
VAT once the cooperative's contribution is taken.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

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
    intra_cooperative: bool = False
    structured_communication: str


class InvoiceSent(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.sent.v1"

    invoice_id: str
    number: str
    activity_id: str
    member_id: str
    client_email: str | None = None


class InvoiceCredited(EventPayload):
    """A credit note (UBL 381) cancelled the invoice."""

    event_type: ClassVar[str] = "invoicing.invoice.credited.v1"

    invoice_id: str
    number: str
    credit_note_id: str
    credit_note_number: str
    activity_id: str
    member_id: str
    total_excl_vat: Decimal
    total_incl_vat: Decimal
    outstanding_activity_share: Decimal = Field(description="Activity share still unpaid when it was credited.")


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
    Contract(InvoiceIssued, "invoicing", ("payroll", "notifications")),
    Contract(InvoiceSent, "invoicing", ("notifications",)),
    Contract(InvoiceCredited, "invoicing", ("payroll", "notifications")),
    Contract(InvoiceOverdue, "invoicing", ("notifications",)),
    Contract(ReminderSent, "invoicing", ("notifications",)),
    Contract(PaymentReceived, "invoicing", ("payroll", "notifications")),
    Contract(InvoicePaid, "invoicing", ("notifications",)),
    Contract(InvoicePartiallyPaid, "invoicing", ()),
    Contract(PaymentUnmatched, "invoicing", ()),
    Contract(PaymentAssigned, "invoicing", ()),
    Contract(PaymentRefunded, "invoicing", ()),
    Contract(InvoiceWrittenOff, "invoicing", ("payroll", "notifications")),
    Contract(ExpenseSubmitted, "invoicing", ("notifications",)),
    Contract(ExpenseApproved, "invoicing", ("payroll", "notifications")),
    Contract(ExpenseRejected, "invoicing", ("notifications",)),
)
