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
from payroll.domain.money import ZERO, money
from payroll.domain.salary import SalaryBreakdown


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

    @property
    def cover(self) -> Decimal:
        """Activity share still expected from this invoice (0 once fully paid or settled and paid)."""
        if self.issued_share is None:
            return ZERO
        expected = self.issued_share
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Totals:
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})

    @property
    def remaining(self) -> Decimal:
        """Share of turnover + advances − repayments − expenses − salaries: equals the available budget."""
        return (
            self.activity_share
            + self.advances_received
            - self.advances_repaid
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


def invoice_issued(position: ActivityPosition, receivable: Receivable, activity_share: Decimal) -> Outcome:
    """An issued invoice becomes cover the fund may lend against (no posting: no money moved)."""
    _check(position, receivable)
    share = money(activity_share, "activity_share")
    if receivable.issued_share is not None:
        return Outcome(position, position, receivable=receivable)  # the same issue told twice
    updated = replace(receivable, issued_share=share)
    after = replace(position, receivables=position.receivables + updated.cover - receivable.cover)
    return Outcome(position, _bump(position, after), receivable=updated)


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
        source_key, position.activity_id, amount_excl_vat, vat, contribution, position.advance, occurred_at, memo
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

    Its remaining cover leaves the pool; if the advance is no longer covered
    by the invoices left, the fund absorbs the difference. The activity is
    never charged: "individual bankruptcy is simply not possible".
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
    salary: SalaryBreakdown,
    occurred_at: datetime,
    memo: str = "",
) -> Outcome:
    """Commit a salary's full employer cost, with a guarantee advance when the budget is short.

    Raises ``insufficient_budget`` (with the numbers) when even the largest
    advance the unpaid invoices allow would not cover it.
    """
    cost = salary.employment_budget
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
