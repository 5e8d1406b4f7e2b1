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
from invoicing.domain.money import ZERO, percent_of, require_cents, require_non_negative, round_cents
from invoicing.domain.ogm import ogm_for_invoice
from invoicing.domain.quote import Quote, QuoteStatus
from invoicing.domain.totals import InvoiceLine, InvoiceTotals, VatGroup, compute_totals
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
        # An advisor who refuses an invoice in review cancels it before it ever had a number.
        InvoiceStatus.IN_REVIEW: frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED}),
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
    """UBL credit note (type 381) cancelling the invoice it references, in full or in part.

    A partial note credits some lines (or part of their quantity) or an
    amount excl. VAT; ``Invoice.apply_credit_note`` decides which part of it
    cancels what the client still owes and which part must be refunded.
    """

    number: InvoiceNumber
    invoice_number: InvoiceNumber  # UBL BillingReference/InvoiceDocumentReference
    invoice_issue_date: date
    issue_date: date
    client: Client
    regime: VatRegime
    lines: tuple[InvoiceLine, ...]
    reason: str
    # The cent per VAT group that earlier partial notes rounded away (see ``Invoice.create_credit_note``).
    vat_rounding: tuple[tuple[VatGroup, Decimal], ...] = ()

    type_code: ClassVar[str] = CREDIT_NOTE_TYPE_CODE

    @property
    def totals(self) -> InvoiceTotals:
        return compute_totals(self.lines, vat_rounding=dict(self.vat_rounding))

    @property
    def outstanding(self) -> Decimal:
        """Nothing: a credit note asks the client for no payment (it lowers, or refunds, its invoice's)."""
        return ZERO

    def is_overdue(self, today: date) -> bool:
        """Never: a credit note has no due date."""
        require_date(today, "today")
        return False


@dataclass(frozen=True, slots=True)
class CreditApplication:
    """What a credit note did to its invoice, in the figures payroll and the refund need.

    ``unpaid_amount`` reduced what the client owed; ``refund`` (when not None)
    is money already received that is now owed back, split exactly as the
    payments it reverses were split (pro rata, cumulative rounding: all the
    refunds of an invoice add up to its payments' parts to the cent).
    """

    unpaid_amount: Decimal
    unpaid_vat: Decimal  # VAT accrued at issue that the unpaid part no longer owes
    unpaid_activity_share: Decimal  # cover the guarantee loses
    refund: PaymentSplit | None
    full: bool  # the whole invoice is credited: it is cancelled


@dataclass(frozen=True, slots=True)
class CreditLine:
    """A line of the invoice to credit (0-based ``index``), all of it or ``quantity`` of it."""

    index: int
    quantity: Decimal | None = None


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
        # The parts of the payments applied (None: not tracked yet, derived from amount_paid).
        self.paid_parts: PaymentSplit | None = None
        # What credit notes took off: in total, of the unpaid amount, and refunded (with its parts).
        self.credited = ZERO
        self.credited_unpaid = ZERO
        self.credited_unpaid_split = PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        self.refunded = PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        self.credited_quantities: dict[int, Decimal] = {}
        # Per VAT group, the taxable amount and VAT its credit notes took off.
        self.credited_groups: dict[VatGroup, tuple[Decimal, Decimal]] = {}
        self._lines: tuple[InvoiceLine, ...] = ()
        self._prepaid = ZERO
        self.buyer_reference: str | None = None
        # The stored version this state was read at (0: never stored); the repository saves it only if
        # nobody changed it since, and counts it up.
        self.version = 0
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

    def reject(self) -> None:
        """Advisor refuses it: never numbered, never sent, kept for the record (not deleted)."""
        if self.status is not InvoiceStatus.IN_REVIEW:
            raise DomainConflictError("invoice.invalid_transition", "Only an invoice in review is rejected.", "status")
        self._move_to(InvoiceStatus.CANCELLED)

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
        return self.totals.amount_due - self.amount_paid - self.credited_unpaid

    def payments_parts(self) -> PaymentSplit:
        """The parts (excl. VAT, VAT, contribution, share) of every payment applied so far."""
        if self.paid_parts is not None:
            return self.paid_parts
        if self.amount_paid <= 0 or self.contribution_rate is None:
            return PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        totals = self.totals
        return split_payment(self.amount_paid, totals, contribution_rate=self.contribution_rate,
                             already_paid=totals.prepaid)

    def _split_instalment(self, amount: Decimal) -> PaymentSplit:
        """The parts of the next payment: cumulative rounding on the invoice as its credit notes left it."""
        assert self.contribution_rate is not None
        totals = self.totals
        if self.credited == 0:
            return split_payment(amount, totals, contribution_rate=self.contribution_rate,
                                 already_paid=totals.prepaid + self.amount_paid)
        # Settled so far on the scale of the invoice: prepaid, paid, and the unpaid part credited.
        settled = totals.prepaid + self.amount_paid + self.credited_unpaid
        split = split_payment(amount, totals, contribution_rate=self.contribution_rate, already_paid=settled)
        if settled + amount == totals.total_incl_vat:
            # The last payment takes the exact remainder, so the payments and credits add up to the invoice.
            paid, unpaid = self.payments_parts(), self.credited_unpaid_split
            excl = totals.total_excl_vat - paid.excl_vat - unpaid.excl_vat - self._prepaid_parts.excl_vat
            cut = self.contribution - paid.contribution - unpaid.contribution - self._prepaid_parts.contribution
            if 0 <= excl <= amount and 0 <= cut <= excl:
                split = PaymentSplit(excl, amount - excl, cut, excl - cut)
        return split

    @property
    def _prepaid_parts(self) -> PaymentSplit:
        assert self.contribution_rate is not None
        totals = self.totals
        if totals.prepaid <= 0:
            return PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        return split_payment(totals.prepaid, totals, contribution_rate=self.contribution_rate, already_paid=ZERO)

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
        applied = min(received, self.outstanding)
        split = None
        if applied > 0:
            split = self._split_instalment(applied)
            paid = self.payments_parts()
            self.paid_parts = PaymentSplit(paid.excl_vat + split.excl_vat, paid.vat + split.vat,
                                           paid.contribution + split.contribution,
                                           paid.activity_share + split.activity_share)
        excess = received - applied
        self.amount_paid += applied
        self.overpaid += excess
        if self.amount_paid + self.credited_unpaid == totals.amount_due:
            self._move_to(InvoiceStatus.PAID)
        elif self.status is not InvoiceStatus.PARTIALLY_PAID:
            self._move_to(InvoiceStatus.PARTIALLY_PAID)
        return PaymentOutcome(applied=split, overpayment=excess)

    def reverse_payment(self, amount: Decimal) -> None:
        """The bank took back a payment applied earlier: the invoice asks for it again.

        Not a lifecycle step a person takes, so it is not in ALLOWED_TRANSITIONS:
        a paid or partly paid invoice goes back to partly paid, or to issued
        (sent) when nothing paid is left.
        """
        taken = require_cents(amount, "amount")
        if self.status not in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID):
            raise DomainConflictError(
                "invoice.not_reopenable", f"A {self.status.value} invoice cannot take back a payment.", "status")
        if taken <= 0 or taken > self.amount_paid:
            raise DomainConflictError(
                "invoice.reversal_exceeds_paid", f"Only {self.amount_paid} was paid on this invoice.", "amount")
        self.amount_paid -= taken
        if self.amount_paid > 0:
            self.status = InvoiceStatus.PARTIALLY_PAID
        else:
            self.status = InvoiceStatus.SENT if self.sent_on is not None else InvoiceStatus.ISSUED

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
        return self._split_instalment(self.outstanding)

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

    def create_credit_note(self, number: InvoiceNumber, issue_date: date, reason: str, *,
                           lines: Iterable[CreditLine] | None = None,
                           amount_excl_vat: Decimal | None = None) -> CreditNote:
        """A credit note for this invoice: all of it, some lines (or part of their quantity), or an amount.

        Apply it with ``apply_credit_note`` (or ``cancel`` for a full one).
        """
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
        if self.status is InvoiceStatus.WRITTEN_OFF:
            raise DomainConflictError("invoice.written_off", "A written-off invoice is not credited.", "status")
        if number == self.number:
            raise DomainValidationError("credit_note.number_reused", "A credit note needs its own number.", "number")
        if lines is not None and amount_excl_vat is not None:
            raise DomainValidationError("credit_note.lines_or_amount", "Credit some lines or an amount, not both.",
                                        "lines")
        credited_lines = self._lines
        if lines is not None:
            credited_lines = self._credit_lines(tuple(lines))
        elif amount_excl_vat is not None:
            credited_lines = (self._credit_amount(amount_excl_vat),)
        elif self.credited > 0:
            raise DomainConflictError("credit_note.partial_exists",
                                      "Part of this invoice is already credited: name the lines or the amount.",
                                      "lines")
        note = CreditNote(
            number=number,
            invoice_number=self.number,
            invoice_issue_date=self.issue_date,
            issue_date=issue_date,
            client=self.client,
            regime=self.regime,
            lines=credited_lines,
            reason=require_text(reason, "reason", max_length=1000),
            vat_rounding=self._vat_rounding(credited_lines),
        )
        if self.credited + note.totals.total_incl_vat > self.totals.total_incl_vat:
            raise DomainValidationError(
                "credit_note.exceeds_invoice",
                f"Only {self.totals.total_incl_vat - self.credited} of this invoice is left to credit.", "lines")
        return note

    def _vat_rounding(self, lines: tuple[InvoiceLine, ...]) -> tuple[tuple[VatGroup, Decimal], ...]:
        """VAT of each group rounded on what all the notes credit together, as payments are split.

        Each note rounded on its own would drift: three notes of one unit at
        0.03 + 21 % take 0.01 VAT each, 0.03 in all, from an invoice that
        charged 0.02, and the last unit could never be credited. Rounding the
        cumulative amount instead gives each note its own VAT give or take a
        cent, and all of them together exactly the invoice's VAT.
        """
        moved: list[tuple[VatGroup, Decimal]] = []
        for group in compute_totals(lines).breakdown:
            key = (group.category, group.rate)
            taxable_before, vat_before = self.credited_groups.get(key, (ZERO, ZERO))
            cumulative = percent_of(taxable_before + group.taxable_amount, group.rate) - vat_before
            if cumulative != group.vat_amount:
                moved.append((key, cumulative - group.vat_amount))
        return tuple(moved)

    def _credit_lines(self, chosen: tuple[CreditLine, ...]) -> tuple[InvoiceLine, ...]:
        if not chosen:
            raise DomainValidationError("credit_note.no_lines", "Name at least one line to credit.", "lines")
        result: list[InvoiceLine] = []
        taken: dict[int, Decimal] = {}
        for item in chosen:
            if not 0 <= item.index < len(self._lines):
                raise DomainValidationError("credit_note.unknown_line",
                                            f"The invoice has no line {item.index}.", "lines")
            line = self._lines[item.index]
            quantity = line.quantity if item.quantity is None else item.quantity
            already = self.credited_quantities.get(item.index, ZERO) + taken.get(item.index, ZERO)
            if quantity <= 0 or already + quantity > line.quantity:
                raise DomainValidationError(
                    "credit_note.quantity_exceeds_line",
                    f"Line {item.index} has {line.quantity - already} left to credit.", "lines")
            taken[item.index] = taken.get(item.index, ZERO) + quantity
            result.append(InvoiceLine(line.description, quantity, line.unit_code, line.unit_price, line.vat_rate,
                                      line.vat_category))
        return tuple(result)

    def _credit_amount(self, amount: Decimal) -> InvoiceLine:
        excl = require_cents(amount, "amount_excl_vat")
        if excl <= 0:
            raise DomainValidationError("credit_note.amount_not_positive", "Credit a positive amount.",
                                        "amount_excl_vat")
        groups = {(line.vat_category, line.vat_rate) for line in self._lines}
        if len(groups) != 1:
            raise DomainValidationError(
                "credit_note.amount_needs_one_rate",
                "This invoice has several VAT rates: credit its lines instead of an amount.", "amount_excl_vat")
        category, rate = groups.pop()
        return InvoiceLine(f"Credit on invoice {self.number}", Decimal(1), "C62", excl, rate, category)

    def apply_credit_note(self, note: CreditNote) -> CreditApplication:
        """Apply a full or partial credit note: first to what is unpaid, the rest is refunded."""
        if not isinstance(note, CreditNote):
            raise TypeError("An invoice is credited only by a CreditNote.")
        if note.invoice_number != self.number:
            raise DomainValidationError(
                "credit_note.wrong_invoice", "The credit note references another invoice.", "credit_note"
            )
        assert self.contribution_rate is not None  # issued
        totals, credit = self.totals, note.totals
        amount = credit.total_incl_vat
        if self.credited + amount > totals.total_incl_vat:
            raise DomainValidationError("credit_note.exceeds_invoice", "The credit note exceeds the invoice.",
                                        "credit_note")
        unpaid = min(amount, self.outstanding)
        refund_amount = min(amount - unpaid, self.amount_paid - self.refunded.amount)
        # The note's own figures are the law (its VAT per rate, the contribution on its amount excl. VAT);
        # the part refunded takes its pro rata share of them, the part that was unpaid the exact rest.
        note_parts = PaymentSplit(credit.total_excl_vat, credit.vat_total,
                                  percent_of(credit.total_excl_vat, self.contribution_rate),
                                  credit.total_excl_vat - percent_of(credit.total_excl_vat, self.contribution_rate))
        refund = self._refund_split(note_parts, amount, refund_amount) if refund_amount > 0 else None
        refund_parts = refund or PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        unpaid_split = PaymentSplit(note_parts.excl_vat - refund_parts.excl_vat, note_parts.vat - refund_parts.vat,
                                    note_parts.contribution - refund_parts.contribution,
                                    note_parts.activity_share - refund_parts.activity_share)
        unpaid_vat, unpaid_share = unpaid_split.vat, unpaid_split.activity_share
        # Track the quantities credited per line, so a line is never credited twice.
        for line in note.lines:
            for index, own in enumerate(self._lines):
                if (own.description, own.unit_price, own.vat_rate) == (line.description, line.unit_price,
                                                                       line.vat_rate):
                    self.credited_quantities[index] = self.credited_quantities.get(index, ZERO) + line.quantity
                    break
        for group in credit.breakdown:
            taxable, vat = self.credited_groups.get((group.category, group.rate), (ZERO, ZERO))
            self.credited_groups[(group.category, group.rate)] = (taxable + group.taxable_amount,
                                                                  vat + group.vat_amount)
        was_open = self.status in OPEN_STATUSES
        self.credited += amount
        self.credited_unpaid += unpaid
        self.credited_unpaid_split = _plus(self.credited_unpaid_split, unpaid_split)
        if refund is not None:
            self.refunded = _plus(self.refunded, refund)
        full = self.credited == totals.total_incl_vat
        if full:
            self._move_to(InvoiceStatus.CANCELLED)
            self.credit_note_number = note.number
        elif was_open and self.outstanding == 0:
            self._move_to(InvoiceStatus.PAID)
        return CreditApplication(unpaid, unpaid_vat, unpaid_share, refund, full)

    @staticmethod
    def _refund_split(note: PaymentSplit, note_amount: Decimal, amount: Decimal) -> PaymentSplit:
        """The refunded part of a note, pro rata of its figures (all of them when the note is all refunded).

        A full credit note on a paid invoice gives back exactly what the payments booked: they were cut on
        the same proportions with the same cumulative rounding.
        """
        excl = round_cents(note.excl_vat * amount / note_amount)
        cut = round_cents(note.contribution * excl / note.excl_vat) if note.excl_vat else ZERO
        return PaymentSplit(excl, amount - excl, cut, excl - cut)

    def reject_transfer(self) -> None:
        """An internal transfer the buying activity refused: void, no credit note (it is no legal sale)."""
        if self.regime.charges_contribution:
            raise DomainConflictError("invoice.not_internal", "Only an internal transfer is rejected.", "status")
        if self.amount_paid > 0:
            raise DomainConflictError("invoice.already_paid", "A settled transfer is not rejected.", "status")
        self._move_to(InvoiceStatus.CANCELLED)

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


def _plus(a: PaymentSplit, b: PaymentSplit) -> PaymentSplit:
    return PaymentSplit(a.excl_vat + b.excl_vat, a.vat + b.vat, a.contribution + b.contribution,
                        a.activity_share + b.activity_share)
