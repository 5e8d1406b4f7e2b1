"""Client payments: finding the invoice a bank credit names, and how much of
the money the invoice takes.

Money is never dropped: what an invoice cannot take (no or unknown
reference, an invoice already paid or closed, the excess of an overpayment)
is kept as an *unmatched* amount that an advisor assigns or refunds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.domain.errors import DomainValidationError
from invoicing.domain.invoice import OPEN_STATUSES, InvoiceStatus
from invoicing.domain.money import ZERO, require_cents
from invoicing.domain.ogm import parse_ogm

CURRENCY = "EUR"


class UnmatchedReason(StrEnum):
    NO_REFERENCE = "no_reference"  # no valid structured communication in the remittance information
    AMBIGUOUS_REFERENCE = "ambiguous_reference"  # several different ones: crediting one would be a guess
    UNKNOWN_REFERENCE = "unknown_reference"  # a valid one that no invoice carries
    OVERPAYMENT = "overpayment"  # what exceeded the invoice's outstanding amount
    INVOICE_ALREADY_PAID = "invoice_already_paid"
    INVOICE_NOT_PAYABLE = "invoice_not_payable"  # credited, written off
    CURRENCY_NOT_EUR = "currency_not_eur"
    BATCH_MISMATCH = "batch_details_mismatch"  # a batch entry whose transactions do not add up to it
    REVERSED_DEBIT = "reversed_debit"  # money back from a reversed debit: not a client payment


class LineOutcome(StrEnum):
    """What became of a bank credit line, as counted in an import."""

    MATCHED = "matched"  # settled its invoice exactly
    PARTIAL = "partial"  # applied, the invoice still has an amount due
    OVERPAID = "overpaid"  # settled its invoice, the excess kept unmatched
    UNMATCHED = "unmatched"  # kept whole for an advisor
    DUPLICATE = "duplicate"  # already imported (same bank references): nothing changes
    REVERSED = "reversed"  # the bank took back a client payment: its invoice is reopened
    REVERSAL_UNMATCHED = "reversal_unmatched"  # a reversal whose original credit was not found: for an advisor


@dataclass(frozen=True, slots=True)
class Allocation:
    applied: Decimal  # taken by the invoice
    excess: Decimal  # kept unmatched

    def __post_init__(self) -> None:
        if self.applied < 0 or self.excess < 0:
            raise DomainValidationError("payment.allocation_negative", "An allocation is never negative.", "amount")


def allocate(amount: Decimal, outstanding: Decimal) -> Allocation:
    """The invoice takes what it still asks for, at most; the rest is excess."""
    received = require_cents(amount, "amount")
    if received <= 0:
        raise DomainValidationError("payment.amount_not_positive", "A payment must be positive.", "amount")
    due = max(require_cents(outstanding, "outstanding"), ZERO)
    applied = min(received, due)
    return Allocation(applied=applied, excess=received - applied)


def unpayable_reason(status: InvoiceStatus) -> UnmatchedReason | None:
    """Why an invoice cannot take a payment, or None when it can."""
    if status in OPEN_STATUSES:
        return None
    if status is InvoiceStatus.PAID:
        return UnmatchedReason.INVOICE_ALREADY_PAID
    return UnmatchedReason.INVOICE_NOT_PAYABLE


def outcome_of(allocation: Allocation, fully_paid: bool) -> LineOutcome:
    if allocation.applied <= 0:
        return LineOutcome.UNMATCHED
    if allocation.excess > 0:
        return LineOutcome.OVERPAID
    return LineOutcome.MATCHED if fully_paid else LineOutcome.PARTIAL


# -- finding the structured communication ---------------------------------------------

# Inside free text, with the +++ / *** delimiters, slashes, or neither (12 digits).
_DELIMITED_RE = re.compile(r"[+*]{3}\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*[+*]{3}")
_SLASHED_RE = re.compile(r"(?<![\d/])(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})(?![\d/])")
_BARE_RE = re.compile(r"(?<!\d)(\d{12})(?!\d)")


@dataclass(frozen=True, slots=True)
class ReferenceSearch:
    digits: str | None  # the 12 canonical digits when exactly one was found
    reason: UnmatchedReason | None  # why not, otherwise


def _in_text(text: str) -> set[str]:
    found: set[str] = set()
    whole = parse_ogm(text.strip())
    if whole is not None:
        found.add(whole)
    for pattern in (_DELIMITED_RE, _SLASHED_RE, _BARE_RE):
        for match in pattern.finditer(text):
            digits = parse_ogm("".join(match.groups()))
            if digits is not None:
                found.add(digits)
    return found


def find_reference(structured: Iterable[str], unstructured: Iterable[str]) -> ReferenceSearch:
    """The structured communication a credit line carries.

    The structured creditor reference (camt ``Strd/CdtrRefInf/Ref``) wins; free
    text (``Ustrd``) is searched when it holds none. A checksum that fails is
    no reference at all, and two different valid ones are ambiguous: in both
    cases an advisor decides, because a wrong match credits the wrong activity.
    """
    valid = {digits for digits in (parse_ogm(reference) for reference in structured) if digits is not None}
    if len(valid) > 1:
        return ReferenceSearch(None, UnmatchedReason.AMBIGUOUS_REFERENCE)
    if valid:
        return ReferenceSearch(valid.pop(), None)
    texts = [t for t in unstructured if t]
    found = _in_text(" ".join(texts)) if texts else set()
    for text in texts:  # a reference split across lines is found joined, one alone is found here
        found |= _in_text(text)
    if len(found) == 1:
        return ReferenceSearch(found.pop(), None)
    if found:
        return ReferenceSearch(None, UnmatchedReason.AMBIGUOUS_REFERENCE)
    return ReferenceSearch(None, UnmatchedReason.NO_REFERENCE)


# -- bank statements -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankCredit:
    """One credit of a bank statement: an entry, or one transaction of a batch entry."""

    key: str  # unique per account across statements: how a repeated line is recognised
    position: int  # 1-based, in the file
    amount: Decimal
    currency: str
    booking_date: date
    value_date: date | None
    structured_references: tuple[str, ...]
    remittance_texts: tuple[str, ...]
    debtor_name: str | None = None
    debtor_iban: str | None = None
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    reversal: bool = False  # a debit with RvslInd: the bank takes back an earlier credit
    review_reason: UnmatchedReason | None = None  # kept for an advisor whatever it references

    @property
    def reference_text(self) -> str | None:
        """The remittance information as shown to an advisor."""
        text = " ".join((*self.structured_references, *self.remittance_texts)).strip()
        return text[:500] or None


@dataclass(frozen=True, slots=True)
class BankStatement:
    schema: str  # e.g. camt.053.001.02
    message_id: str
    statement_id: str
    account_iban: str
    created_at: str | None  # as the bank wrote it (ISO date-time)
    electronic_sequence: int | None
    from_date: date | None
    to_date: date | None
    credits: tuple[BankCredit, ...]
    skipped: int  # debits, reversals and entries not booked yet: not client payments
