"""Request and response bodies of payments, bank statements and reminders.

Money travels as decimal strings ("121.00"); dates are ISO days.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coop_shared.persistence.mongo import Document

Money = Decimal
UnmatchedStatus = Literal["open", "assigned", "refunded", "reversed"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ManualPaymentIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "invoice_id": "3f1c7a52-5a07-4c1e-9d7e-0f2b8a6c9e11", "amount": "121.00", "received_on": "2026-04-02",
        "reference": "+++202/6000/00192+++", "note": "Paid at the counter"}]})

    invoice_id: str = Field(min_length=1, max_length=100)
    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2, description="Received, VAT included, EUR.")
    received_on: date
    reference: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=1000)


class AssignIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "invoice_id": "3f1c7a52-5a07-4c1e-9d7e-0f2b8a6c9e11"}, {
        "invoice_id": "3f1c7a52-5a07-4c1e-9d7e-0f2b8a6c9e11", "amount": "50.00"}]})

    invoice_id: str = Field(min_length=1, max_length=100)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=2,
                                   description="Default: as much as the invoice still asks for.")


class RefundIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Paid twice; returned to the client."}]})

    reason: str = Field(min_length=1, max_length=1000)


class WriteOffIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Client declared bankrupt."}]})

    reason: str = Field(min_length=1, max_length=1000)


class PaymentOut(BaseModel):
    id: str
    invoice_id: str
    invoice_number: str
    activity_id: str
    received_on: date
    amount: Money = Field(description="Applied to the invoice, VAT included.")
    amount_excl_vat: Money
    vat: Money
    contribution: Money
    activity_share: Money
    outstanding_after: Money
    fully_paid: bool
    source: Literal["bank", "manual", "assignment"]
    statement_id: str | None = None
    unmatched_id: str | None = None
    reference: str | None = None
    debtor_name: str | None = None
    recorded_by: str | None = None
    created_at: datetime


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None = None


class AssignmentOut(BaseModel):
    payment_id: str
    invoice_id: str
    amount: Money
    by: str
    at: datetime


class UnmatchedOut(BaseModel):
    id: str
    amount: Money
    remaining: Money
    currency: str
    received_on: date
    reason: str = Field(description="no_reference, ambiguous_reference, unknown_reference, overpayment, "
                                    "invoice_already_paid, invoice_not_payable, currency_not_eur, "
                                    "batch_details_mismatch, reversed_debit.")
    status: UnmatchedStatus
    source: str
    reference: str | None
    structured_communication: str | None
    invoice_id: str | None
    invoice_number: str | None
    statement_id: str | None
    debtor_name: str | None
    debtor_iban: str | None
    assignments: list[AssignmentOut]
    refund_reason: str | None = None
    refund_late_since: date | None = Field(default=None, description=(
        "Still held this many days after receipt (REFUND_DUE_DAYS): flagged on this day by the scheduled check."))
    created_at: datetime
    version: int


class UnmatchedPage(BaseModel):
    items: list[UnmatchedOut]
    next_cursor: str | None = None


class InvoiceBalanceOut(BaseModel):
    id: str
    number: str
    status: str
    amount_paid: Money
    outstanding: Money


class PaymentRecordedOut(BaseModel):
    payment: PaymentOut
    invoice: InvoiceBalanceOut
    unmatched: UnmatchedOut | None = Field(description="The excess of an overpayment, kept to assign or refund; "
                                                       "after an assignment, what is left of the amount.")


class LineCounts(BaseModel):
    matched: int = 0
    partial: int = 0
    overpaid: int = 0
    unmatched: int = 0
    duplicate: int = 0
    reversed: int = Field(default=0, description="Client payments the bank took back: their invoices reopened.")
    reversal_unmatched: int = Field(default=0, description="Reversals whose original credit was not found or "
                                                           "can no longer be undone: kept for an advisor.")
    skipped: int = Field(default=0, description="Debits and entries not booked: not client payments.")


class ImportedStatementOut(BaseModel):
    id: str
    statement_id: str
    account_iban: str
    first_import: bool
    counts: LineCounts


class ImportOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "statements": [{"id": "9b0e…", "statement_id": "STMT-2026-04-02", "account_iban": "BE71096123456769",
                        "first_import": True, "counts": {"matched": 3, "partial": 1, "overpaid": 1, "unmatched": 2,
                                                         "duplicate": 0, "skipped": 4}}],
        "counts": {"matched": 3, "partial": 1, "overpaid": 1, "unmatched": 2, "duplicate": 0, "skipped": 4}}]})

    statements: list[ImportedStatementOut]
    counts: LineCounts


class ImportRunOut(BaseModel):
    at: datetime
    by: str
    counts: LineCounts


class BankStatementOut(BaseModel):
    id: str
    statement_id: str
    message_id: str
    account_iban: str
    schema_version: str = Field(description="e.g. camt.053.001.02")
    electronic_sequence: int | None
    from_date: date | None
    to_date: date | None
    credit_lines: int
    status: Literal["importing", "imported"]
    lines: dict[str, int] = Field(description="Booked lines of this statement by outcome.")
    imports: list[ImportRunOut]
    imported_by: str
    created_at: datetime


class BankStatementPage(BaseModel):
    items: list[BankStatementOut]
    next_cursor: str | None = None


class BankLineOut(BaseModel):
    id: str
    position: int
    amount: Money
    currency: str
    booking_date: date
    value_date: date | None
    reference: str | None
    debtor_name: str | None
    debtor_iban: str | None
    bank_reference: str | None
    outcome: str
    reason: str | None
    invoice_id: str | None
    payment_id: str | None
    unmatched_id: str | None
    reversal: bool = Field(default=False, description="A debit taking back an earlier credit.")
    reversed_line_id: str | None = Field(default=None, description="For a reversal: the credit it took back.")
    reversed_by_line_id: str | None = Field(default=None, description="For a credit: the reversal that took it "
                                                                       "back (the line stays, never dropped).")


class BankLinePage(BaseModel):
    items: list[BankLineOut]
    next_cursor: str | None = None


class ReminderRunOut(BaseModel):
    today: date
    overdue: int = Field(description="Invoices marked overdue by this run.")
    first_reminder: int
    formal_notice: int


# -- presenters --------------------------------------------------------------------------------


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def payment_out(doc: Document) -> PaymentOut:
    return PaymentOut(
        id=doc["_id"], invoice_id=doc["invoice_id"], invoice_number=doc["invoice_number"],
        activity_id=doc["activity_id"], received_on=date.fromisoformat(doc["received_on"]), amount=doc["amount"],
        amount_excl_vat=doc["amount_excl_vat"], vat=doc["vat"], contribution=doc["contribution"],
        activity_share=doc["activity_share"], outstanding_after=doc["outstanding_after"],
        fully_paid=doc["fully_paid"], source=doc["source"], statement_id=doc.get("statement_id"),
        unmatched_id=doc.get("unmatched_id"), reference=doc.get("reference"), debtor_name=doc.get("debtor_name"),
        recorded_by=doc.get("recorded_by"), created_at=doc["created_at"])


def unmatched_out(doc: Document) -> UnmatchedOut:
    return UnmatchedOut(
        id=doc["_id"], amount=doc["amount"], remaining=doc["remaining"], currency=doc.get("currency", "EUR"),
        received_on=date.fromisoformat(doc["received_on"]), reason=doc["reason"], status=doc["status"],
        source=doc.get("source", "bank"), reference=doc.get("reference"), structured_communication=doc.get("ogm"),
        invoice_id=doc.get("invoice_id"), invoice_number=doc.get("invoice_number"),
        statement_id=doc.get("statement_id"), debtor_name=doc.get("debtor_name"), debtor_iban=doc.get("debtor_iban"),
        assignments=[AssignmentOut(**a) for a in doc.get("assignments", [])],
        refund_reason=(doc.get("refund") or {}).get("reason"), refund_late_since=_day(doc.get("refund_late_since")),
        created_at=doc["created_at"], version=doc["version"])


def balance_out(invoice: Document, outstanding: Decimal) -> InvoiceBalanceOut:
    return InvoiceBalanceOut(id=invoice["_id"], number=invoice["number"], status=invoice["status"],
                             amount_paid=invoice.get("amount_paid", Decimal("0.00")), outstanding=outstanding)


def statement_out(doc: Document) -> BankStatementOut:
    return BankStatementOut(
        id=doc["_id"], statement_id=doc["statement_id"], message_id=doc["message_id"],
        account_iban=doc["account_iban"], schema_version=doc["schema"],
        electronic_sequence=doc.get("electronic_sequence"), from_date=_day(doc.get("from_date")),
        to_date=_day(doc.get("to_date")), credit_lines=doc["credit_lines"], status=doc["status"],
        lines=doc.get("lines", {}), imports=[ImportRunOut(**i) for i in doc.get("imports", [])],
        imported_by=doc["imported_by"], created_at=doc["created_at"])


def line_out(doc: Document) -> BankLineOut:
    return BankLineOut(
        id=doc["_id"], position=doc["position"], amount=doc["amount"], currency=doc["currency"],
        booking_date=date.fromisoformat(doc["booking_date"]), value_date=_day(doc.get("value_date")),
        reference=doc.get("reference"), debtor_name=doc.get("debtor_name"), debtor_iban=doc.get("debtor_iban"),
        bank_reference=doc.get("bank_reference"), outcome=doc["outcome"], reason=doc.get("reason"),
        invoice_id=doc.get("invoice_id"), payment_id=doc.get("payment_id"), unmatched_id=doc.get("unmatched_id"),
        reversal=bool(doc.get("reversal")), reversed_line_id=doc.get("reversed_line_id"),
        reversed_by_line_id=doc.get("reversed_by"))
