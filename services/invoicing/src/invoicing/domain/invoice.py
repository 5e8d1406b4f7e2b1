"""The invoice lifecycle, its numbering and credit notes.

draft → (in_review) → issued → sent → partially_paid → paid, cancelled
only by a credit note referencing the invoice, or written off as
uncollectable (the guarantee fund absorbs it). Once issued, an invoice is a
legal document: its content never changes, which the methods enforce.
"Overdue" is not stored: it follows from the due date and the calendar, so
it is computed (``is_overdue(today)``) and can never be stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from invoicing.domain.checks import require_date, require_int, require_text
from invoicing.domain.clients import Client
from invoicing.domain.contribution import (
    DEFAULT_CONTRIBUTION_SCHEDULE,
    ContributionSchedule,
    PaymentSplit,
    contribution_rate,
    split_payment,
)
from invoicing.domain.editable_lines import EditableLines
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.money import ZERO, percent_of, require_cents, require_non_negative
from invoicing.domain.ogm import ogm_for_invoice
from invoicing.domain.quote import Quote, QuoteStatus
from invoicing.domain.totals import InvoiceLine, InvoiceTotals, compute_totals
from invoicing.domain.vat import VatRegime, check_regime_for_client

INVOICE_TYPE_CODE = "380"  # UNCL1001 commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001 credit note
DEFAULT_PAYMENT_TERM_DAYS = 30

_NUMBER_RE = re.compile(r"^\s*((?:[A-Z]{1,4}-)?)(\d{4})-(\d{6})\s*$")
_PREFIX_RE = re.compile(r"^(?:[A-Z]{1,4}-)?$")
CREDIT_NOTE_PREFIX = "CN-"  # credit notes run their own gapless series: CN-2026-000001


@dataclass(frozen=True, slots=True, order=True)
class InvoiceNumber:
    """``2026-000123``: one gapless series per year (assigned at issue by the
    numbering adapter). Six digits because year + sequence must fit the ten
    digits of the structured communication. ``prefix`` names another series
    (``CN-`` for credit notes), so two series never share a number."""

    year: int
    sequence: int
    prefix: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.prefix, str) or not _PREFIX_RE.match(self.prefix):
            raise DomainValidationError("invoice_number.invalid", "A series prefix is 1-4 capitals and '-'.", "number")
        if not 1000 <= require_int(self.year, "year") <= 9999:
            raise DomainValidationError("invoice_number.invalid", "The year must have 4 digits.", "number")
        if not 1 <= require_int(self.sequence, "sequence") <= 999_999:
            raise DomainValidationError("invoice_number.invalid", "The sequence runs from 1 to 999999.", "number")

    @classmethod
    def parse(cls, text: str) -> InvoiceNumber:
        match = _NUMBER_RE.match(require_text(text, "number", max_length=20))
        if match is None:
            raise DomainValidationError(
                "invoice_number.invalid", f"{text!r} is not an invoice number like 2026-000123.", "number"
            )
        return cls(int(match.group(2)), int(match.group(3)), match.group(1))

    def __str__(self) -> str:
        return f"{self.prefix}{self.year:04d}-{self.sequence:06d}"


def format_invoice_number(year: int, seq: int) -> str:
    return str(InvoiceNumber(year, seq))


def parse_invoice_number(text: str) -> InvoiceNumber:
    return InvoiceNumber.parse(text)


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    ISSUED = "issued"
    SENT = "sent"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    WRITTEN_OFF = "written_off"


ALLOWED_TRANSITIONS: Mapping[InvoiceStatus, frozenset[InvoiceStatus]] = MappingProxyType(
    {
        InvoiceStatus.DRAFT: frozenset({InvoiceStatus.IN_REVIEW, InvoiceStatus.ISSUED}),
        InvoiceStatus.IN_REVIEW: frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUED}),
        # A client may pay before the invoice is marked sent.
        InvoiceStatus.ISSUED: frozenset(
            {InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID, InvoiceStatus.CANCELLED,
             InvoiceStatus.WRITTEN_OFF}
        ),
        InvoiceStatus.SENT: frozenset(
            {InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID, InvoiceStatus.CANCELLED, InvoiceStatus.WRITTEN_OFF}
        ),
        InvoiceStatus.PARTIALLY_PAID: frozenset(
            {InvoiceStatus.PAID, InvoiceStatus.CANCELLED, InvoiceStatus.WRITTEN_OFF}
        ),
        # A paid invoice can still be credited (the client is then refunded).
        InvoiceStatus.PAID: frozenset({InvoiceStatus.CANCELLED}),
        InvoiceStatus.CANCELLED: frozenset(),
        # Final: a late payment on it is kept unmatched for an advisor to refund.
        InvoiceStatus.WRITTEN_OFF: frozenset(),
    }
)

EDITABLE_STATUSES = frozenset({InvoiceStatus.DRAFT})
# Issued and not settled: can be paid, can become overdue.
OPEN_STATUSES = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID})


def can_transition(source: InvoiceStatus, target: InvoiceStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[source]


@dataclass(frozen=True, slots=True)
class CreditNote:
    """UBL credit note (type 381) cancelling the invoice it references.

    Only full credit notes are modelled: a partial correction is a credit
    note plus a new invoice.
    """

    number: InvoiceNumber
    invoice_number: InvoiceNumber  # UBL BillingReference/InvoiceDocumentReference
    invoice_issue_date: date
    issue_date: date
    client: Client
    regime: VatRegime
    lines: tuple[InvoiceLine, ...]
    reason: str

    type_code: ClassVar[str] = CREDIT_NOTE_TYPE_CODE

    @property
    def totals(self) -> InvoiceTotals:
        return compute_totals(self.lines)


@dataclass(frozen=True, slots=True)
class WriteOff:
    """What the client never paid, in the figures payroll needs."""

    outstanding_incl_vat: Decimal
    outstanding_excl_vat: Decimal
    outstanding_activity_share: Decimal  # what the activity will not receive


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    applied: PaymentSplit | None  # None when nothing was left to pay
    overpayment: Decimal  # kept on the invoice for refund, never dropped


class Invoice(EditableLines):
    """An invoice aggregate. Attributes are public for reading (and for the
    repository to persist); change them only through the methods, which
    enforce the transition table and the immutability of issued invoices."""

    def __init__(
        self,
        *,
        invoice_id: str,
        activity_id: str,
        client: Client,
        regime: VatRegime,
        lines: Iterable[InvoiceLine] = (),
        prepaid: Decimal = ZERO,
        buyer_reference: str | None = None,
        review_required: bool = False,
        quote_id: str | None = None,
    ) -> None:
        self.id = require_text(invoice_id, "invoice_id", max_length=100)
        self.activity_id = require_text(activity_id, "activity_id", max_length=100)
        check_regime_for_client(regime, client)
        self.client = client
        self.regime = regime
        self.review_required = review_required  # advisor policy, decided by the service layer
        self.quote_id = quote_id
        self.status = InvoiceStatus.DRAFT
        self.number: InvoiceNumber | None = None
        self.issue_date: date | None = None
        self.due_date: date | None = None
        self.structured_communication: str | None = None
        self.contribution_rate: Decimal | None = None  # frozen at issue
        self.sent_on: date | None = None
        self.amount_paid = ZERO  # applied to the amount due
        self.overpaid = ZERO
        self.credit_note_number: InvoiceNumber | None = None
        self._lines: tuple[InvoiceLine, ...] = ()
        self._prepaid = ZERO
        self.buyer_reference: str | None = None
        self.replace_lines(lines)
        self.set_prepaid(prepaid)
        self.set_buyer_reference(buyer_reference)

    @classmethod
    def from_quote(cls, quote: Quote, invoice_id: str, *, review_required: bool = False) -> Invoice:
        """A draft with the accepted quote's exact content (the caller then
        records ``quote.mark_invoiced``)."""
        if quote.status is not QuoteStatus.ACCEPTED:
            raise DomainConflictError("quote.not_accepted", "Only an accepted quote becomes an invoice.", "quote_id")
        if quote.invoice_id is not None:
            raise DomainConflictError("quote.already_invoiced", "This quote already has its invoice.", "quote_id")
        return cls(
            invoice_id=invoice_id,
            activity_id=quote.activity_id,
            client=quote.client,
            regime=quote.regime,
            lines=quote.lines,
            review_required=review_required,
            quote_id=quote.id,
        )

    # -- content (draft only) -------------------------------------------------

    @property
    def lines(self) -> tuple[InvoiceLine, ...]:
        return self._lines

    @property
    def prepaid(self) -> Decimal:
        return self._prepaid

    @property
    def totals(self) -> InvoiceTotals:
        return compute_totals(self._lines, self._prepaid)

    def _ensure_editable(self, field: str) -> None:
        if self.status not in EDITABLE_STATUSES:
            raise DomainConflictError(
                "invoice.not_editable",
                f"A {self.status.value} invoice cannot be changed"
                + (": cancel it with a credit note." if self.number else "."),
                field,
            )

    def set_prepaid(self, amount: Decimal) -> None:
        self._ensure_editable("prepaid")
        # Checked against the total at review/issue, once the lines are final.
        self._prepaid = require_non_negative(require_cents(amount, "prepaid"), "prepaid")

    def set_buyer_reference(self, reference: str | None) -> None:
        self._ensure_editable("buyer_reference")
        text = None if reference is None else require_text(reference, "buyer_reference", max_length=200, required=False)
        self.buyer_reference = text or None

    @property
    def can_be_deleted(self) -> bool:
        """Only an unnumbered draft may disappear; a numbered one would leave a gap."""
        return self.number is None and self.status in (InvoiceStatus.DRAFT, InvoiceStatus.IN_REVIEW)

    # -- lifecycle ------------------------------------------------------------

    def _ensure_can(self, target: InvoiceStatus) -> None:
        if not can_transition(self.status, target):
            raise DomainConflictError(
                "invoice.invalid_transition",
                f"A {self.status.value} invoice cannot become {target.value}.",
                "status",
            )

    def _move_to(self, target: InvoiceStatus) -> None:
        self._ensure_can(target)
        self.status = target

    def submit_for_review(self) -> None:
        if self.status is InvoiceStatus.DRAFT:
            compute_totals(self._lines, self._prepaid)  # nothing incomplete goes to an advisor
        self._move_to(InvoiceStatus.IN_REVIEW)

    def request_changes(self) -> None:
        """Advisor sends the draft back to the member."""
        if self.status is not InvoiceStatus.IN_REVIEW:
            raise DomainConflictError("invoice.invalid_transition", "Only an invoice in review goes back.", "status")
        self._move_to(InvoiceStatus.DRAFT)

    def issue(
        self,
        number: InvoiceNumber,
        issue_date: date,
        *,
        payment_term_days: int = DEFAULT_PAYMENT_TERM_DAYS,
        due_date: date | None = None,
        contribution_schedule: ContributionSchedule = DEFAULT_CONTRIBUTION_SCHEDULE,
    ) -> None:
        """Number, date and freeze the invoice.

        The due date is ``issue_date + payment_term_days`` unless given.
        """
        require_date(issue_date, "issue_date")
        if self.status is InvoiceStatus.DRAFT and self.review_required:
            raise DomainConflictError(
                "invoice.review_required", "This invoice must be reviewed by an advisor first.", "status"
            )
        self._ensure_can(InvoiceStatus.ISSUED)
        if not isinstance(number, InvoiceNumber):
            raise TypeError(f"number: expected InvoiceNumber, got {type(number).__name__}")
        if number.year != issue_date.year:
            raise DomainValidationError(
                "invoice.number_year_mismatch", "The number must belong to the series of the issue year.", "number"
            )
        days = require_int(payment_term_days, "payment_term_days")
        if days < 0:
            raise DomainValidationError(
                "invoice.payment_term_negative", "Payment term cannot be negative.", "payment_term_days"
            )
        due = issue_date + timedelta(days=days) if due_date is None else require_date(due_date, "due_date")
        if due < issue_date:
            raise DomainValidationError("invoice.due_before_issue", "Due date precedes the issue date.", "due_date")
        compute_totals(self._lines, self._prepaid)  # validates before anything changes
        rate = contribution_rate(
            issue_date, intra_cooperative=not self.regime.charges_contribution, schedule=contribution_schedule
        )
        self._move_to(InvoiceStatus.ISSUED)
        self.number = number
        self.issue_date = issue_date
        self.due_date = due
        self.structured_communication = ogm_for_invoice(number.year, number.sequence)
        self.contribution_rate = rate

    def mark_sent(self, on: date) -> None:
        require_date(on, "on")
        self._move_to(InvoiceStatus.SENT)
        self.sent_on = on

    @property
    def outstanding(self) -> Decimal:
        if self.status not in OPEN_STATUSES:
            return ZERO
        return self.totals.amount_due - self.amount_paid

    @property
    def contribution(self) -> Decimal:
        """The contribution due on the whole invoice (0 before issue and between activities)."""
        if self.contribution_rate is None:
            return ZERO
        return percent_of(self.totals.total_excl_vat, self.contribution_rate)

    def record_payment(self, amount: Decimal) -> PaymentOutcome:
        """Apply a client payment; any excess is kept as overpayment."""
        received = require_cents(amount, "amount")
        if received <= 0:
            raise DomainValidationError("payment.amount_not_positive", "A payment must be positive.", "amount")
        if self.status is InvoiceStatus.PAID:
            self.overpaid += received
            return PaymentOutcome(applied=None, overpayment=received)
        if self.status not in OPEN_STATUSES:
            raise DomainConflictError(
                "invoice.not_payable", f"A {self.status.value} invoice cannot receive payments.", "status"
            )
        assert self.contribution_rate is not None  # set by issue(), which every open status passed
        totals = self.totals
        applied = min(received, totals.amount_due - self.amount_paid)
        split = None
        if applied > 0:
            split = split_payment(
                applied,
                totals,
                contribution_rate=self.contribution_rate,
                already_paid=totals.prepaid + self.amount_paid,
            )
        excess = received - applied
        self.amount_paid += applied
        self.overpaid += excess
        if self.amount_paid == totals.amount_due:
            self._move_to(InvoiceStatus.PAID)
        elif self.status is not InvoiceStatus.PARTIALLY_PAID:
            self._move_to(InvoiceStatus.PARTIALLY_PAID)
        return PaymentOutcome(applied=split, overpayment=excess)

    def is_overdue(self, today: date) -> bool:
        """Open and past its due date (the due day itself is still on time)."""
        require_date(today, "today")
        return self.status in OPEN_STATUSES and self.due_date is not None and today > self.due_date

    def unpaid_split(self) -> PaymentSplit | None:
        """The parts of the outstanding amount, as if the client paid it now (None when nothing is due).

        Computed like the last instalment, so together with the parts of the
        payments already applied it adds up exactly to the invoice's totals.
        """
        if self.status not in OPEN_STATUSES or self.outstanding <= 0:
            return None
        assert self.contribution_rate is not None  # set by issue(), which every open status passed
        totals = self.totals
        return split_payment(self.outstanding, totals, contribution_rate=self.contribution_rate,
                             already_paid=totals.prepaid + self.amount_paid)

    def write_off(self) -> WriteOff:
        """Declare the unpaid rest uncollectable; the invoice stays as issued, closed."""
        if self.status not in OPEN_STATUSES:
            raise DomainConflictError(
                "invoice.not_open", f"A {self.status.value} invoice has nothing left to write off.", "status"
            )
        unpaid = self.unpaid_split()
        self._move_to(InvoiceStatus.WRITTEN_OFF)
        if unpaid is None:
            return WriteOff(ZERO, ZERO, ZERO)
        return WriteOff(unpaid.amount, unpaid.excl_vat, unpaid.activity_share)

    def create_credit_note(self, number: InvoiceNumber, issue_date: date, reason: str) -> CreditNote:
        """A full credit note for this invoice; apply it with ``cancel``."""
        if self.number is None or self.issue_date is None:
            raise DomainConflictError(
                "invoice.not_issued", "A draft is not credited: it is edited or deleted.", "status"
            )
        if self.status is InvoiceStatus.CANCELLED:
            raise DomainConflictError("invoice.already_cancelled", "This invoice is already credited.", "status")
        require_date(issue_date, "issue_date")
        if issue_date < self.issue_date:
            raise DomainValidationError(
                "credit_note.before_invoice", "A credit note cannot predate its invoice.", "issue_date"
            )
        if number == self.number:
            raise DomainValidationError("credit_note.number_reused", "A credit note needs its own number.", "number")
        return CreditNote(
            number=number,
            invoice_number=self.number,
            invoice_issue_date=self.issue_date,
            issue_date=issue_date,
            client=self.client,
            regime=self.regime,
            lines=self._lines,
            reason=require_text(reason, "reason", max_length=1000),
        )

    def cancel(self, credit_note: CreditNote) -> None:
        """The only way out of an issued invoice: a credit note for all of it."""
        if not isinstance(credit_note, CreditNote):
            raise TypeError("An invoice is cancelled only by a CreditNote.")
        if credit_note.invoice_number != self.number:
            raise DomainValidationError(
                "credit_note.wrong_invoice", "The credit note references another invoice.", "credit_note"
            )
        if credit_note.totals.total_incl_vat != self.totals.total_incl_vat:
            raise DomainValidationError(
                "credit_note.partial", "Only a credit note for the full amount cancels an invoice.", "credit_note"
            )
        self._move_to(InvoiceStatus.CANCELLED)
        self.credit_note_number = credit_note.number
