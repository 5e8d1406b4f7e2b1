"""An activity's money position, and what each business fact does to it.

``ActivityPosition`` is what payroll must know about one activity to decide
anything: its available budget (the credit balance of ``activity:<id>``),
the guarantee advance outstanding, and the cover its unpaid invoices still
promise (``receivables``). Each function below takes the position (and the
invoice concerned), returns the new position plus the balanced ledger
transactions that explain the change; the service layer stores both in one
database transaction.

Order independence. Events from invoicing arrive at least once and in no
guaranteed order. Given the same set of payments, expenses, write-offs and
credit notes, the final positions do not depend on the order they are
applied in (proved by the property tests), because:

- each invoice's remaining cover is a function of the *set* of facts known
  about it (``Receivable.cover``): a write-off says how much was still
  outstanding when the producer wrote it off, so a payment the producer had
  already seen but we have not yet is still expected;
- a payment repays the advance first (``repayment_on_payment``), a lost
  invoice is absorbed only for the part of the advance no remaining invoice
  covers (``uncovered_advance``): payments drain the advance first, losses
  drain the spare cover first, and the two commute.

Who bears a lost cover depends on why it was lost: an invoice written off as
uncollectable is the fund's loss (it absorbs the uncovered advance); an
invoice the activity cancels with a credit note is the activity's own
decision, so the uncovered advance is *reclaimed* from its budget (which may
then go below zero by that advance, and pays no salary until later income
has refilled it). Each rule alone commutes with the payments; an activity
whose invoices are both written off and credited while an advance is
outstanding gets the same totals only when the facts arrive in order.

Duplicates are the service layer's job (each transaction's unique source
key, plus a processed-event marker).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from payroll.domain import ledger
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.guarantee import advance_needed, uncovered_advance
from payroll.domain.ledger import Transaction
from payroll.domain.money import ZERO, fmt, money
from payroll.domain.salary import SalaryTotals


class Settlement(StrEnum):
    """Why an unpaid invoice stopped being expected."""

    WRITTEN_OFF = "written_off"
    CREDITED = "credited"


@dataclass(frozen=True, slots=True)
class Receivable:
    """One invoice as the guarantee sees it: its activity share, what was paid, whether it was settled.

    ``issued_share`` is None until the issue is known. ``settled_outstanding``
    is the activity share the producer still expected when it wrote the
    invoice off or credited it (the smallest, if both happened).
    """

    invoice_id: str
    activity_id: str
    issued_share: Decimal | None = None
    paid_share: Decimal = ZERO
    settled_outstanding: Decimal | None = None
    written_off: bool = False
    credited: bool = False
    credited_share: Decimal = ZERO  # unpaid activity share cancelled by credit notes (partial ones add up)
    refunded_share: Decimal = ZERO  # paid activity share taken back by credit notes
    credit_notes: tuple[str, ...] = ()  # the credit notes already applied (each counts once)
    internal: bool = False  # an internal transfer between activities: never cover

    @property
    def cover(self) -> Decimal:
        """Activity share still expected from this invoice (0 once fully paid or settled and paid)."""
        if self.issued_share is None or self.internal:
            return ZERO
        expected = self.issued_share - self.credited_share
        if self.settled_outstanding is not None:
            expected -= self.settled_outstanding
        return max(ZERO, expected - self.paid_share)


@dataclass(frozen=True, slots=True)
class Totals:
    """Running sums behind the statement: "where did every euro go"."""

    turnover_excl_vat: Decimal = ZERO
    vat_collected: Decimal = ZERO
    contribution: Decimal = ZERO
    activity_share: Decimal = ZERO
    advances_received: Decimal = ZERO
    advances_repaid: Decimal = ZERO
    advances_absorbed: Decimal = ZERO
    advances_reclaimed: Decimal = ZERO
    refunded_excl_vat: Decimal = ZERO
    refunded_vat: Decimal = ZERO
    refunded_contribution: Decimal = ZERO
    refunded_share: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    expenses_incl_vat: Decimal = ZERO
    expenses_vat_recovered: Decimal = ZERO
    expenses_charged: Decimal = ZERO
    salaries: int = 0
    salaries_employment_budget: Decimal = ZERO
    salaries_gross: Decimal = ZERO
    salaries_employer_social_security: Decimal = ZERO
    salaries_other_employer_costs: Decimal = ZERO
    salaries_employee_social_security: Decimal = ZERO
    salaries_withholding_tax: Decimal = ZERO
    salaries_net: Decimal = ZERO

    def plus(self, **deltas: Any) -> Totals:
        return replace(self, **{name: getattr(self, name) + delta for name, delta in deltas.items()})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def delta_since(self, before: Totals) -> dict[str, Any]:
        """What changed from ``before``, field by field (unchanged ones left out): a year's share of a change."""
        changes = {f.name: getattr(self, f.name) - getattr(before, f.name) for f in fields(self)}
        return {name: delta for name, delta in changes.items() if delta != 0}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Totals:
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})

    @property
    def remaining(self) -> Decimal:
        """Share of turnover − refunds + advances − repayments + transfers − expenses − salaries: the budget."""
        return (
            self.activity_share
            - self.refunded_share
            + self.advances_received
            - self.advances_repaid
            - self.advances_reclaimed
            + self.transfers_in
            - self.transfers_out
            - self.expenses_charged
            - self.salaries_employment_budget
        )


@dataclass(frozen=True, slots=True)
class ActivityPosition:
    activity_id: str
    available: Decimal = ZERO
    advance: Decimal = ZERO
    receivables: Decimal = ZERO
    sequence: int = 0  # +1 on every change: the BudgetChanged ordering key and the optimistic-lock version
    totals: Totals = field(default_factory=Totals)

    @property
    def guarantee_headroom(self) -> Decimal:
        """How much more the fund could advance now."""
        return max(ZERO, self.receivables - self.advance)


@dataclass(frozen=True, slots=True)
class Outcome:
    before: ActivityPosition
    position: ActivityPosition
    transactions: tuple[Transaction, ...] = ()
    receivable: Receivable | None = None
    advanced: Decimal = ZERO
    repaid: Decimal = ZERO
    absorbed: Decimal = ZERO
    reclaimed: Decimal = ZERO

    @property
    def changed(self) -> bool:
        return self.position != self.before

    @property
    def budget_changed(self) -> bool:
        return self.position.available != self.before.available


def _bump(before: ActivityPosition, after: ActivityPosition) -> ActivityPosition:
    return after if after == before else replace(after, sequence=before.sequence + 1)


def _check(position: ActivityPosition, receivable: Receivable | None) -> None:
    if receivable is not None and receivable.activity_id != position.activity_id:
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            f"invoice {receivable.invoice_id} belongs to activity {receivable.activity_id}, "
            f"not {position.activity_id}",
            "activity_id",
        )


class PaymentNotYetBooked(Exception):
    """A credit note refunds a payment this service has not booked yet: retry once it has arrived."""


def invoice_issued(
    position: ActivityPosition,
    receivable: Receivable,
    activity_share: Decimal,
    *,
    vat: Decimal = ZERO,
    internal: bool = False,
    source_key: str = "",
    occurred_at: datetime | None = None,
    memo: str = "",
) -> Outcome:
    """An issued invoice becomes cover the fund may lend against, and its VAT is due now (accrual).

    An internal transfer between two activities is neither: it carries no
    VAT and is settled from the buyer's budget, never lent against.
    """
    _check(position, receivable)
    share = money(activity_share, "activity_share")
    tax = money(vat, "vat")
    if receivable.issued_share is not None:
        return Outcome(position, position, receivable=receivable)  # the same issue told twice
    updated = replace(receivable, issued_share=share, internal=internal)
    transactions: tuple[Transaction, ...] = ()
    if tax > 0 and not internal:
        if occurred_at is None or not source_key:
            raise DomainError(ErrorCode.INVALID_VALUE, "a VAT accrual needs its source and time", "vat")
        transactions = (ledger.vat_accrued(source_key, tax, occurred_at, memo),)
    after = replace(position, receivables=position.receivables + updated.cover - receivable.cover)
    return Outcome(position, _bump(position, after), transactions, receivable=updated)


def payment_received(
    position: ActivityPosition,
    receivable: Receivable,
    *,
    source_key: str,
    amount_excl_vat: Decimal,
    vat: Decimal,
    contribution: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """A client paid: the fund is repaid first, the rest of the activity share is budget."""
    _check(position, receivable)
    transaction = ledger.client_payment_applied(
        source_key, position.activity_id, amount_excl_vat, vat, contribution, position.advance, occurred_at, memo,
        vat_account=ledger.CLIENTS_VAT_RECEIVABLE,
    )
    excl = money(amount_excl_vat, "amount_excl_vat")
    tax, cut = money(vat, "vat"), money(contribution, "contribution")
    share = excl - cut
    repaid = -_posting(transaction, ledger.guarantee_advances_account(position.activity_id))
    updated = replace(receivable, paid_share=receivable.paid_share + share)
    after = replace(
        position,
        available=position.available + share - repaid,
        advance=position.advance - repaid,
        receivables=position.receivables + updated.cover - receivable.cover,
        totals=position.totals.plus(
            turnover_excl_vat=excl, vat_collected=tax, contribution=cut, activity_share=share, advances_repaid=repaid
        ),
    )
    return Outcome(position, _bump(position, after), (transaction,), updated, repaid=repaid)


def payment_reversed(
    position: ActivityPosition,
    receivable: Receivable,
    *,
    original: Transaction,
    source_key: str,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """The bank took a client payment back: undo exactly what it booked.

    The advance it repaid is owed to the fund again, the invoice is cover
    again, and the activity loses the share it was credited (its budget may go
    below zero if that money was already spent: it is owed, not invented).
    """
    _check(position, receivable)
    if original.kind is not ledger.TransactionKind.CLIENT_PAYMENT:
        raise DomainError(ErrorCode.INVALID_VALUE, f"{original.source_key} is not a client payment", "payment_id")
    transaction = ledger.reversal_of(
        original, source_key, ledger.TransactionKind.CLIENT_PAYMENT_REVERSAL, occurred_at, memo
    )
    tax = -_posting(original, ledger.VAT_PAYABLE)
    cut = -_posting(original, ledger.COOPERATIVE_CONTRIBUTION)
    repaid = -_posting(original, ledger.guarantee_advances_account(position.activity_id))
    credited = -_posting(original, ledger.activity_account(position.activity_id))
    excl = _posting(original, ledger.BANK) - tax
    share = credited + repaid
    updated = replace(receivable, paid_share=receivable.paid_share - share)
    after = replace(
        position,
        available=position.available - credited,
        advance=position.advance + repaid,
        receivables=position.receivables + updated.cover - receivable.cover,
        totals=position.totals.plus(
            turnover_excl_vat=-excl, vat_collected=-tax, contribution=-cut, activity_share=-share,
            advances_repaid=-repaid,
        ),
    )
    return Outcome(position, _bump(position, after), (transaction,), updated)


def invoice_settled(
    position: ActivityPosition,
    receivable: Receivable,
    *,
    source_key: str,
    settlement: Settlement,
    outstanding_share: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """An invoice will not be (fully) paid: written off, or cancelled by a credit note.

    Its remaining cover leaves the pool. If the advance is no longer covered
    by the invoices left: for a write-off the fund absorbs the difference
    (the activity is never charged for a client who does not pay:
    "individual bankruptcy is simply not possible"); for a credit note the
    activity cancelled its own invoice, so the difference is reclaimed from
    its budget and the fund absorbs nothing.
    """
    _check(position, receivable)
    outstanding = money(outstanding_share, "outstanding_share")
    settled = (
        outstanding
        if receivable.settled_outstanding is None
        else min(outstanding, receivable.settled_outstanding)
    )
    updated = replace(
        receivable,
        settled_outstanding=settled,
        written_off=receivable.written_off or settlement is Settlement.WRITTEN_OFF,
        credited=receivable.credited or settlement is Settlement.CREDITED,
    )
    lost = receivable.cover - updated.cover
    if settlement is Settlement.CREDITED:
        return _cover_lost_by_credit(position, updated, lost, source_key, occurred_at, memo)
    receivables = position.receivables - lost
    absorbed = uncovered_advance(position.advance, receivables, lost)
    transactions: tuple[Transaction, ...] = ()
    if absorbed > 0:
        transactions = (
            ledger.write_off_absorbed(source_key, position.activity_id, absorbed, occurred_at, memo),
        )
    after = replace(
        position,
        advance=position.advance - absorbed,
        receivables=receivables,
        totals=position.totals.plus(advances_absorbed=absorbed),
    )
    return Outcome(position, _bump(position, after), transactions, updated, absorbed=absorbed)


def _cover_lost_by_credit(
    position: ActivityPosition, updated: Receivable, lost: Decimal, source_key: str, occurred_at: datetime,
    memo: str, transactions: tuple[Transaction, ...] = (), budget_change: Decimal = ZERO,
    totals: Totals | None = None,
) -> Outcome:
    """Cover cancelled by the activity's own credit note: the advance it no longer covers is the activity's."""
    receivables = position.receivables - lost
    reclaimed = uncovered_advance(position.advance, receivables, lost)
    if reclaimed > 0:
        transactions = (*transactions, ledger.advance_reclaimed(
            f"{source_key}:advance", position.activity_id, reclaimed, occurred_at, memo))
    after = replace(
        position,
        available=position.available + budget_change - reclaimed,
        advance=position.advance - reclaimed,
        receivables=receivables,
        totals=(totals or position.totals).plus(advances_reclaimed=reclaimed),
    )
    return Outcome(position, _bump(position, after), transactions, updated, reclaimed=reclaimed)


def invoice_credited(
    position: ActivityPosition,
    receivable: Receivable,
    *,
    source_key: str,
    credit_note_id: str,
    unpaid_share: Decimal,
    unpaid_vat: Decimal,
    refund_excl_vat: Decimal = ZERO,
    refund_vat: Decimal = ZERO,
    refund_contribution: Decimal = ZERO,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """A credit note, full or partial, on an invoice paid or not.

    - The unpaid part credited stops being cover and its accrued VAT is no
      longer due; an advance it covered is reclaimed from the activity.
    - The paid part credited becomes a refund owed to the client: its VAT,
      contribution and activity share are reversed exactly as they were
      booked (the producer computes them pro rata of the payments).

    Raises ``PaymentNotYetBooked`` while the payments it refunds have not
    been booked here (events arrive in any order): the handler retries.
    """
    _check(position, receivable)
    if credit_note_id in receivable.credit_notes:
        return Outcome(position, position, receivable=receivable)  # the same credit note told twice
    share = money(unpaid_share, "unpaid_share")
    excl, tax, cut = (money(refund_excl_vat, "refund_excl_vat"), money(refund_vat, "refund_vat"),
                      money(refund_contribution, "refund_contribution"))
    if cut > excl:
        raise DomainError(ErrorCode.INVALID_AMOUNT, "the refunded contribution exceeds the refund excl. VAT",
                          "refund_contribution")
    refund_share = excl - cut
    if refund_share > 0 and receivable.paid_share == 0:
        # The postings would commute, but the refund would then be booked against an invoice this
        # service believes unpaid (and its cover counted twice): wait for the payment.
        raise PaymentNotYetBooked(
            f"credit note {credit_note_id} refunds {refund_share} of invoice {receivable.invoice_id}, "
            "whose payments are not booked yet")
    updated = replace(
        receivable,
        credited=True,
        credited_share=receivable.credited_share + share,
        refunded_share=receivable.refunded_share + refund_share,
        credit_notes=(*receivable.credit_notes, credit_note_id),
    )
    transactions: tuple[Transaction, ...] = ()
    if money(unpaid_vat, "unpaid_vat") > 0 or excl + tax > 0:
        transactions = (ledger.credit_note_booked(
            source_key, position.activity_id, unpaid_vat=unpaid_vat, refund_vat=tax, refund_contribution=cut,
            refund_activity_share=refund_share, occurred_at=occurred_at, memo=memo),)
    totals = position.totals.plus(refunded_excl_vat=excl, refunded_vat=tax, refunded_contribution=cut,
                                  refunded_share=refund_share)
    lost = receivable.cover - updated.cover
    return _cover_lost_by_credit(position, updated, lost, source_key, occurred_at, memo, transactions,
                                 -refund_share, totals)


def internal_transfer(
    buyer: ActivityPosition,
    seller: ActivityPosition,
    *,
    source_key: str,
    amount: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> tuple[Outcome, Outcome]:
    """Move ``amount`` from the buyer's budget to the seller's; refused while the buyer's budget is short.

    Never lent against: the guarantee fund does not advance money that
    stays inside the cooperative.
    """
    moved = money(amount, "amount", allow_zero=False)
    if buyer.available < moved:
        raise DomainError(
            ErrorCode.INSUFFICIENT_BUDGET,
            f"the transfer needs {fmt(moved)} but the buying activity has {fmt(buyer.available)} available",
            "amount",
            {"amount": fmt(moved), "available": fmt(buyer.available), "missing": fmt(moved - buyer.available)},
        )
    transaction = ledger.internal_transfer(source_key, buyer.activity_id, seller.activity_id, moved, occurred_at,
                                           memo)
    buyer_after = replace(buyer, available=buyer.available - moved,
                          totals=buyer.totals.plus(transfers_out=moved))
    seller_after = replace(seller, available=seller.available + moved,
                           totals=seller.totals.plus(transfers_in=moved))
    return (Outcome(buyer, _bump(buyer, buyer_after), (transaction,)),
            Outcome(seller, _bump(seller, seller_after)))


def expense_approved(
    position: ActivityPosition,
    *,
    source_key: str,
    amount_incl_vat: Decimal,
    deductible_vat: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """An approved expense is charged to the budget, net of the input VAT the cooperative recovers.

    It is a fact already decided by an advisor: it is booked even if it takes
    the budget below zero (the invoicing service checks the budget before
    approval, with the ``BudgetChanged`` figures it receives).
    """
    transaction = ledger.expense_approved(
        source_key, position.activity_id, amount_incl_vat, deductible_vat, occurred_at, memo
    )
    incl, recovered = money(amount_incl_vat, "amount_incl_vat"), money(deductible_vat, "deductible_vat")
    charged = incl - recovered
    after = replace(
        position,
        available=position.available - charged,
        totals=position.totals.plus(
            expenses_incl_vat=incl, expenses_vat_recovered=recovered, expenses_charged=charged
        ),
    )
    return Outcome(position, _bump(position, after), (transaction,))


def salary_committed(
    position: ActivityPosition,
    *,
    contract_id: str,
    salary: SalaryTotals,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """Commit a salary's full employer cost, with a guarantee advance when the budget is short.

    Raises ``insufficient_budget`` (with the numbers) when even the largest
    advance the unpaid invoices allow would not cover it.
    """
    cost = salary.employment_budget
    if position.available < 0:
        owed = -position.available
        raise DomainError(
            ErrorCode.INSUFFICIENT_BUDGET,
            f"the activity owes {fmt(owed)} (an advance or a refund its credit notes took back): "
            "no salary until later income has repaid it",
            "employment_budget",
            {"cost": fmt(cost), "available": fmt(position.available), "cap": fmt(ZERO), "missing": fmt(cost + owed)},
        )
    advance = advance_needed(cost, position.available, position.receivables, position.advance)
    transactions: list[Transaction] = []
    if advance > 0:
        transactions.append(
            ledger.guarantee_advanced(advance_source_key(contract_id), position.activity_id, advance, occurred_at, memo)
        )
    transactions.append(
        ledger.salary_booked(salary_source_key(contract_id), position.activity_id, salary, occurred_at, memo)
    )
    after = replace(
        position,
        available=position.available + advance - cost,
        advance=position.advance + advance,
        totals=position.totals.plus(
            advances_received=advance,
            salaries=1,
            salaries_employment_budget=cost,
            salaries_gross=salary.gross,
            salaries_employer_social_security=salary.employer_social_security,
            salaries_other_employer_costs=salary.other_employer_costs,
            salaries_employee_social_security=salary.employee_social_security,
            salaries_withholding_tax=salary.withholding_tax,
            salaries_net=salary.net,
        ),
    )
    return Outcome(position, _bump(position, after), tuple(transactions), advanced=advance)


def salary_source_key(contract_id: str) -> str:
    return f"salary:{contract_id}"


def advance_source_key(contract_id: str) -> str:
    return f"advance:{contract_id}"


def _posting(transaction: Transaction, account: str) -> Decimal:
    return sum((p.amount for p in transaction.postings if p.account == account), ZERO)
