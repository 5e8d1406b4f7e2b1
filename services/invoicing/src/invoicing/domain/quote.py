"""Quotes: draft → sent → accepted / changes requested / rejected / expired.

The client answers through a tokenised link (handled outside the domain);
here only the rules: a client can answer a sent quote while it is valid,
and an accepted quote is locked, because it becomes an invoice and the
client agreed to exactly that content.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from invoicing.domain.checks import require_date, require_text
from invoicing.domain.clients import Client
from invoicing.domain.editable_lines import EditableLines
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.totals import InvoiceLine, InvoiceTotals, compute_totals
from invoicing.domain.vat import VatRegime, check_regime_for_client


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Accepted, rejected and expired are final: a new proposal is a new quote.
QUOTE_TRANSITIONS: Mapping[QuoteStatus, frozenset[QuoteStatus]] = MappingProxyType(
    {
        QuoteStatus.DRAFT: frozenset({QuoteStatus.SENT}),
        QuoteStatus.SENT: frozenset(
            {QuoteStatus.ACCEPTED, QuoteStatus.CHANGES_REQUESTED, QuoteStatus.REJECTED, QuoteStatus.EXPIRED}
        ),
        QuoteStatus.CHANGES_REQUESTED: frozenset({QuoteStatus.DRAFT}),
        QuoteStatus.ACCEPTED: frozenset(),
        QuoteStatus.REJECTED: frozenset(),
        QuoteStatus.EXPIRED: frozenset(),
    }
)


class Quote(EditableLines):
    """A quote aggregate; like ``Invoice``, mutate it only through its methods."""

    def __init__(
        self,
        *,
        quote_id: str,
        activity_id: str,
        client: Client,
        regime: VatRegime,
        valid_until: date,
        lines: Iterable[InvoiceLine] = (),
    ) -> None:
        self.id = require_text(quote_id, "quote_id", max_length=100)
        self.activity_id = require_text(activity_id, "activity_id", max_length=100)
        check_regime_for_client(regime, client)
        self.client = client
        self.regime = regime
        self.valid_until = require_date(valid_until, "valid_until")
        self._lines: tuple[InvoiceLine, ...] = ()
        self.status = QuoteStatus.DRAFT
        self.sent_on: date | None = None
        self.answered_on: date | None = None
        self.client_comment: str | None = None
        self.invoice_id: str | None = None
        self.version = 0  # the stored version this state was read at (0: never stored), as on ``Invoice``
        self.replace_lines(lines)

    # -- content (draft only) -------------------------------------------------

    @property
    def lines(self) -> tuple[InvoiceLine, ...]:
        return self._lines

    @property
    def totals(self) -> InvoiceTotals:
        return compute_totals(self._lines)

    @property
    def is_locked(self) -> bool:
        return self.status is QuoteStatus.ACCEPTED

    def _ensure_editable(self, field: str) -> None:
        if self.status is QuoteStatus.ACCEPTED:
            raise DomainConflictError("quote.locked", "An accepted quote can no longer change.", field)
        if self.status is not QuoteStatus.DRAFT:
            raise DomainConflictError("quote.not_editable", f"A {self.status.value} quote cannot be edited.", field)

    def set_valid_until(self, valid_until: date) -> None:
        self._ensure_editable("valid_until")
        self.valid_until = require_date(valid_until, "valid_until")

    # -- lifecycle ------------------------------------------------------------

    def _move_to(self, target: QuoteStatus) -> None:
        if target not in QUOTE_TRANSITIONS[self.status]:
            code = "quote.locked" if self.status is QuoteStatus.ACCEPTED else "quote.invalid_transition"
            raise DomainConflictError(code, f"A {self.status.value} quote cannot become {target.value}.", "status")
        self.status = target

    def send(self, on: date) -> None:
        require_date(on, "on")
        if self.status is QuoteStatus.DRAFT:
            compute_totals(self._lines)  # refuses an empty or negative quote
            if self.valid_until < on:
                raise DomainValidationError(
                    "quote.validity_in_past", "The validity date is already past.", "valid_until"
                )
        self._move_to(QuoteStatus.SENT)
        self.sent_on = on

    def _answer(self, target: QuoteStatus, on: date, comment: str | None) -> None:
        require_date(on, "on")
        if self.status is QuoteStatus.SENT and on > self.valid_until:
            raise DomainConflictError("quote.expired", "This quote is no longer valid.", "status")
        self._move_to(target)
        self.answered_on = on
        self.client_comment = None if comment is None else require_text(comment, "comment", max_length=5000)

    def accept(self, on: date) -> None:
        self._answer(QuoteStatus.ACCEPTED, on, None)

    def reject(self, on: date, comment: str | None = None) -> None:
        self._answer(QuoteStatus.REJECTED, on, comment)

    def request_changes(self, on: date, comment: str) -> None:
        # Without a comment the member cannot know what to change.
        self._answer(QuoteStatus.CHANGES_REQUESTED, on, require_text(comment, "comment", max_length=5000))

    def revise(self) -> None:
        """Back to draft after the client asked for changes."""
        self._move_to(QuoteStatus.DRAFT)
        self.sent_on = None
        self.answered_on = None

    def expire(self, today: date) -> None:
        require_date(today, "today")
        if self.status is QuoteStatus.SENT and today <= self.valid_until:
            raise DomainConflictError("quote.not_expired", "The quote is still valid.", "status")
        self._move_to(QuoteStatus.EXPIRED)

    def is_expired(self, today: date) -> bool:
        """Sent, unanswered and past its validity (before ``expire`` records it)."""
        return self.status is QuoteStatus.EXPIRED or (
            self.status is QuoteStatus.SENT and require_date(today, "today") > self.valid_until
        )

    def mark_invoiced(self, invoice_id: str) -> None:
        """Record the invoice made from this accepted quote (once)."""
        if self.status is not QuoteStatus.ACCEPTED:
            raise DomainConflictError("quote.not_accepted", "Only an accepted quote becomes an invoice.", "status")
        if self.invoice_id is not None:
            raise DomainConflictError("quote.already_invoiced", "This quote already has its invoice.", "invoice_id")
        self.invoice_id = require_text(invoice_id, "invoice_id", max_length=100)
