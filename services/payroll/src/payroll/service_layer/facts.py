"""What each invoicing event means for an activity's position (pure: no I/O).

The event handlers load the position and the invoice concerned, call
``apply_fact`` and store the outcome; the property tests call the very same
function on an in-memory book, so "the domain" and "the handlers" cannot
drift apart.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from coop_shared.contracts.invoicing import (
    ExpenseApproved,
    InvoiceCredited,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentReceived,
)
from payroll.domain import position as book
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.money import fmt
from payroll.domain.position import ActivityPosition, Outcome, Receivable, Settlement

InvoicingFact = InvoiceIssued | PaymentReceived | InvoiceWrittenOff | InvoiceCredited | ExpenseApproved

INVOICING_FACTS: tuple[type[InvoicingFact], ...] = (
    InvoiceIssued, PaymentReceived, InvoiceWrittenOff, InvoiceCredited, ExpenseApproved,
)


def invoice_id_of(fact: InvoicingFact) -> str | None:
    return None if isinstance(fact, ExpenseApproved) else fact.invoice_id


def source_key_of(fact: InvoicingFact) -> str:
    """The business fact's own id: a second envelope for the same payment still books nothing twice."""
    if isinstance(fact, PaymentReceived):
        return f"payment:{fact.payment_id}"
    if isinstance(fact, ExpenseApproved):
        return f"expense:{fact.expense_id}"
    if isinstance(fact, InvoiceWrittenOff):
        return f"write-off:{fact.invoice_id}"
    if isinstance(fact, InvoiceCredited):
        return f"credit-note:{fact.credit_note_id}"
    return f"invoice-issued:{fact.invoice_id}"


def apply_fact(
    position: ActivityPosition, receivable: Receivable | None, fact: InvoicingFact, occurred_at: datetime
) -> Outcome:
    """The outcome of one invoicing event. Raises DomainError for data that can never be booked."""
    key = source_key_of(fact)
    if isinstance(fact, ExpenseApproved):
        if fact.amount_incl_vat - fact.deductible_vat != fact.amount_charged:
            raise _inconsistent("amount_charged", fact.amount_charged, fact.amount_incl_vat - fact.deductible_vat)
        return book.expense_approved(
            position, source_key=key, amount_incl_vat=fact.amount_incl_vat, deductible_vat=fact.deductible_vat,
            occurred_at=occurred_at, memo=f"Expense {fact.supplier}"[:200],
        )
    current = receivable or Receivable(fact.invoice_id, fact.activity_id)
    if isinstance(fact, InvoiceIssued):
        if fact.total_excl_vat - fact.contribution != fact.activity_share:
            raise _inconsistent("activity_share", fact.activity_share, fact.total_excl_vat - fact.contribution)
        return book.invoice_issued(
            position, current, fact.activity_share, vat=fact.total_vat, internal=fact.intra_cooperative,
            source_key=key, occurred_at=occurred_at, memo=f"VAT due on invoice {fact.number}",
        )
    if isinstance(fact, PaymentReceived):
        if fact.amount_excl_vat - fact.contribution != fact.activity_share:
            raise _inconsistent("activity_share", fact.activity_share, fact.amount_excl_vat - fact.contribution)
        return book.payment_received(
            position, current, source_key=key, amount_excl_vat=fact.amount_excl_vat, vat=fact.vat,
            contribution=fact.contribution, occurred_at=occurred_at,
            memo=f"Payment on invoice {fact.invoice_number}",
        )
    if isinstance(fact, InvoiceCredited):
        if fact.refund_excl_vat + fact.refund_vat != fact.refund_incl_vat:
            raise _inconsistent("refund_incl_vat", fact.refund_incl_vat, fact.refund_excl_vat + fact.refund_vat)
        if fact.refund_excl_vat - fact.refund_contribution != fact.refund_activity_share:
            raise _inconsistent("refund_activity_share", fact.refund_activity_share,
                                fact.refund_excl_vat - fact.refund_contribution)
        return book.invoice_credited(
            position, current, source_key=key, credit_note_id=fact.credit_note_id,
            unpaid_share=fact.outstanding_activity_share, unpaid_vat=fact.unpaid_vat,
            refund_excl_vat=fact.refund_excl_vat, refund_vat=fact.refund_vat,
            refund_contribution=fact.refund_contribution, occurred_at=occurred_at,
            memo=f"Invoice {fact.number} credited by {fact.credit_note_number}",
        )
    return book.invoice_settled(
        position, current, source_key=key, settlement=Settlement.WRITTEN_OFF,
        outstanding_share=fact.outstanding_activity_share, occurred_at=occurred_at,
        memo=f"Invoice {fact.number} written off: {fact.reason}"[:200],
    )


def _inconsistent(field: str, given: Decimal, expected: Decimal) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_AMOUNT, f"{field} is {fmt(given)} but the other amounts make it {fmt(expected)}", field
    )
