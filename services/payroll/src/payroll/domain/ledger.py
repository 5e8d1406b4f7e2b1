"""Double-entry ledger of the activities' money.

Sign convention: a posting's amount is positive for a DEBIT and negative for
a CREDIT, so every transaction sums to exactly zero and so does the whole
ledger. Accounts that hold money *for* someone (an activity's budget, the
payables, the cooperative's contribution, the guarantee fund's capital) are
credit-normal: their balance is negative when they hold money, and the
helpers below turn that into a positive figure for people.

Accounts:
    bank                              the cooperative's bank account (debit-normal)
    activity:<id>                     an activity's budget (credit-normal)
    cooperative:contribution          the mutualised 6.5 % (credit-normal)
    guarantee_fund                    the fund's capital; a write-off is its loss
    guarantee_fund:advances:<id>      what the fund has advanced to an activity
                                      and not yet got back (debit-normal receivable)
    salaries_payable                  net salaries to pay to workers
    social_security_payable           employer + employee contributions due to the ONSS
    withholding_tax_payable           withholding tax due to the tax office
    employer_costs_payable            insurance, holiday-pay provision, …
    vat_payable                       output VAT, due when an invoice is issued (accrual)
    clients:vat_receivable            VAT invoiced to clients and not yet received (debit-normal)
    vat_receivable                    input VAT on expenses
    refunds_payable                   money received from clients and owed back after a credit note
    expenses_payable                  approved expenses owed to the member or supplier

Each transaction carries a ``source_key``: the id of the event or request
that caused it. Storing it under a unique index makes every booking
idempotent (a redelivered event books nothing twice), and ``balances``
refuses a ledger where it is not unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.guarantee import repayment_on_payment
from payroll.domain.money import CENT, ZERO, fmt, money, round_cents, to_decimal
from payroll.domain.salary import SalaryTotals

BANK: Final = "bank"
COOPERATIVE_CONTRIBUTION: Final = "cooperative:contribution"
GUARANTEE_FUND: Final = "guarantee_fund"
SALARIES_PAYABLE: Final = "salaries_payable"
SOCIAL_SECURITY_PAYABLE: Final = "social_security_payable"
WITHHOLDING_TAX_PAYABLE: Final = "withholding_tax_payable"
EMPLOYER_COSTS_PAYABLE: Final = "employer_costs_payable"
VAT_PAYABLE: Final = "vat_payable"
VAT_RECEIVABLE: Final = "vat_receivable"
EXPENSES_PAYABLE: Final = "expenses_payable"
CLIENTS_VAT_RECEIVABLE: Final = "clients:vat_receivable"
REFUNDS_PAYABLE: Final = "refunds_payable"


def activity_account(activity_id: str) -> str:
    return f"activity:{_id(activity_id, 'activity_id')}"


def guarantee_advances_account(activity_id: str) -> str:
    return f"guarantee_fund:advances:{_id(activity_id, 'activity_id')}"


class TransactionKind(StrEnum):
    CLIENT_PAYMENT = "client_payment"
    CLIENT_PAYMENT_REVERSAL = "client_payment_reversal"
    EXPENSE = "expense"
    SALARY = "salary"
    SALARY_PAYMENT = "salary_payment"
    GUARANTEE_ADVANCE = "guarantee_advance"
    WRITE_OFF = "write_off"
    VAT_ACCRUAL = "vat_accrual"
    CREDIT_NOTE = "credit_note"
    ADVANCE_RECLAIMED = "advance_reclaimed"
    REFUND_PAYMENT = "refund_payment"
    INTERNAL_TRANSFER = "internal_transfer"


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a transaction: positive debits ``account``, negative credits it."""

    account: str
    amount: Decimal

    def __post_init__(self) -> None:
        _id(self.account, "account")
        amount = to_decimal(self.amount, "amount")
        if amount == 0 or amount != amount.quantize(CENT):
            raise DomainError(
                ErrorCode.INVALID_AMOUNT,
                f"posting to {self.account} must be a non-zero amount in cents, got {amount}",
                "amount",
            )


@dataclass(frozen=True, slots=True)
class Transaction:
    """A balanced set of postings caused by one event or request (``source_key``)."""

    source_key: str
    kind: TransactionKind
    postings: tuple[Posting, ...]
    occurred_at: datetime
    memo: str = ""

    def __post_init__(self) -> None:
        _id(self.source_key, "source_key")
        if self.occurred_at.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_VALUE, "occurred_at must be timezone-aware", "occurred_at")
        if len(self.postings) < 2:
            raise DomainError(
                ErrorCode.UNBALANCED_TRANSACTION,
                f"transaction {self.source_key} needs at least two postings",
                "postings",
            )
        total = sum((p.amount for p in self.postings), ZERO)
        if total != 0:
            raise DomainError(
                ErrorCode.UNBALANCED_TRANSACTION,
                f"transaction {self.source_key} does not balance: postings sum to {fmt(total)}",
                "postings",
                {"source_key": self.source_key, "sum": fmt(total)},
            )


def balances(transactions: Iterable[Transaction]) -> dict[str, Decimal]:
    """Balance of every account touched by ``transactions`` (debit positive, credit negative)."""
    result: dict[str, Decimal] = {}
    seen: set[str] = set()
    for transaction in transactions:
        if transaction.source_key in seen:
            raise DomainError(
                ErrorCode.DUPLICATE_TRANSACTION,
                f"source_key {transaction.source_key} is booked twice",
                "source_key",
                {"source_key": transaction.source_key},
            )
        seen.add(transaction.source_key)
        for posting in transaction.postings:
            result[posting.account] = result.get(posting.account, ZERO) + posting.amount
    return result


def available_budget(ledger_balances: Mapping[str, Decimal], activity_id: str) -> Decimal:
    """Money paid in for the activity and not yet committed (the activity account's credit balance)."""
    return -ledger_balances.get(activity_account(activity_id), ZERO)


def outstanding_advance(ledger_balances: Mapping[str, Decimal], activity_id: str) -> Decimal:
    """What the guarantee fund advanced to the activity and has not got back yet."""
    return ledger_balances.get(guarantee_advances_account(activity_id), ZERO)


def client_payment_received(
    source_key: str,
    activity_id: str,
    amount_excl_vat: Decimal,
    vat: Decimal,
    contribution_rate: Decimal,
    outstanding_guarantee_advance: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Transaction:
    """A client paid (part of) an invoice: VAT aside, contribution to the cooperative, rest to the activity.

    If the guarantee fund has an advance outstanding for the activity, it is
    repaid FIRST out of the activity's share: the advance was made against
    exactly this kind of incoming money, and repaying it first keeps the fund
    whole for the next member. For payments between two activities the caller
    passes a zero rate and zero VAT.
    """
    rate = to_decimal(contribution_rate, "contribution_rate")
    if not ZERO <= rate < 1:
        raise DomainError(
            ErrorCode.INVALID_VALUE, f"contribution_rate must be in [0, 1), got {rate}", "contribution_rate"
        )
    excl = money(amount_excl_vat, "amount_excl_vat", allow_zero=False)
    return client_payment_applied(
        source_key,
        activity_id,
        excl,
        vat,
        round_cents(excl * rate),
        outstanding_guarantee_advance,
        occurred_at,
        memo,
    )


def client_payment_applied(
    source_key: str,
    activity_id: str,
    amount_excl_vat: Decimal,
    vat: Decimal,
    contribution: Decimal,
    outstanding_guarantee_advance: Decimal,
    occurred_at: datetime,
    memo: str = "",
    vat_account: str = VAT_PAYABLE,
) -> Transaction:
    """``client_payment_received`` with the contribution already computed.

    ``vat_account`` is where the payment's VAT goes: ``vat_payable`` when VAT
    is booked on payment, ``clients:vat_receivable`` when it was already
    accrued at issue (the payment then only collects it).

    The invoicing service computes the contribution of every (partial)
    payment and announces it; payroll books that exact figure instead of
    recomputing it from a rate, so the two services never disagree by a
    rounding cent.
    """
    # A one-cent instalment can be all VAT: the split rounds on cumulative
    # amounts, so one part of a payment may be zero, never the whole.
    excl = money(amount_excl_vat, "amount_excl_vat")
    vat_amount = money(vat, "vat")
    if excl + vat_amount == 0:
        raise DomainError(ErrorCode.INVALID_AMOUNT, "a client payment must be more than zero", "amount_excl_vat")
    contribution_amount = money(contribution, "contribution")
    if contribution_amount > excl:
        raise DomainError(
            ErrorCode.INVALID_AMOUNT, "the contribution cannot exceed the amount excl. VAT", "contribution"
        )
    advance = money(outstanding_guarantee_advance, "outstanding_guarantee_advance")
    share = excl - contribution_amount
    repayment = repayment_on_payment(share, advance)
    return _transaction(
        source_key,
        TransactionKind.CLIENT_PAYMENT,
        occurred_at,
        memo,
        (BANK, excl + vat_amount),
        (vat_account, -vat_amount),
        (COOPERATIVE_CONTRIBUTION, -contribution_amount),
        (guarantee_advances_account(activity_id), -repayment),
        (activity_account(activity_id), -(share - repayment)),
    )


def reversal_of(
    original: Transaction, source_key: str, kind: TransactionKind, occurred_at: datetime, memo: str = ""
) -> Transaction:
    """The exact opposite of ``original``: together they leave every account as it was."""
    postings = tuple(Posting(p.account, -p.amount) for p in original.postings)
    return Transaction(source_key, kind, postings, occurred_at, memo)


def expense_approved(
    source_key: str,
    activity_id: str,
    amount_incl_vat: Decimal,
    recoverable_vat: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Transaction:
    """An approved expense: the activity pays it, but recoverable input VAT goes back to its budget."""
    incl = money(amount_incl_vat, "amount_incl_vat", allow_zero=False)
    vat = money(recoverable_vat, "recoverable_vat")
    if vat > incl:
        raise DomainError(
            ErrorCode.INVALID_AMOUNT, "recoverable_vat cannot exceed the amount incl. VAT", "recoverable_vat"
        )
    return _transaction(
        source_key,
        TransactionKind.EXPENSE,
        occurred_at,
        memo,
        (activity_account(activity_id), incl - vat),
        (VAT_RECEIVABLE, vat),
        (EXPENSES_PAYABLE, -incl),
    )


def salary_booked(
    source_key: str, activity_id: str, salary: SalaryTotals, occurred_at: datetime, memo: str = ""
) -> Transaction:
    """The activity pays the full employer cost; it is split into what is owed to whom."""
    return _transaction(
        source_key,
        TransactionKind.SALARY,
        occurred_at,
        memo,
        (activity_account(activity_id), salary.employment_budget),
        (SALARIES_PAYABLE, -salary.net),
        (SOCIAL_SECURITY_PAYABLE, -(salary.employer_social_security + salary.employee_social_security)),
        (WITHHOLDING_TAX_PAYABLE, -salary.withholding_tax),
        (EMPLOYER_COSTS_PAYABLE, -salary.other_employer_costs),
    )


def salary_paid(source_key: str, net: Decimal, occurred_at: datetime, memo: str = "") -> Transaction:
    """The net salary left the bank (the SEPA payment order was executed)."""
    amount = money(net, "net", allow_zero=False)
    return _transaction(
        source_key, TransactionKind.SALARY_PAYMENT, occurred_at, memo, (SALARIES_PAYABLE, amount), (BANK, -amount)
    )


def guarantee_advanced(
    source_key: str, activity_id: str, amount: Decimal, occurred_at: datetime, memo: str = ""
) -> Transaction:
    """The fund lends the activity the missing budget; the loan is a receivable of the fund."""
    advance = money(amount, "amount", allow_zero=False)
    return _transaction(
        source_key,
        TransactionKind.GUARANTEE_ADVANCE,
        occurred_at,
        memo,
        (guarantee_advances_account(activity_id), advance),
        (activity_account(activity_id), -advance),
    )


def write_off_absorbed(
    source_key: str, activity_id: str, amount: Decimal, occurred_at: datetime, memo: str = ""
) -> Transaction:
    """An uncollectable invoice: the fund's capital takes the loss; the activity is never charged."""
    absorbed = money(amount, "amount", allow_zero=False)
    return _transaction(
        source_key,
        TransactionKind.WRITE_OFF,
        occurred_at,
        memo,
        (GUARANTEE_FUND, absorbed),
        (guarantee_advances_account(activity_id), -absorbed),
    )


def vat_accrued(source_key: str, vat: Decimal, occurred_at: datetime, memo: str = "") -> Transaction:
    """VAT is due when the invoice is issued, whether or not the client has paid yet."""
    amount = money(vat, "vat", allow_zero=False)
    return _transaction(
        source_key, TransactionKind.VAT_ACCRUAL, occurred_at, memo,
        (CLIENTS_VAT_RECEIVABLE, amount), (VAT_PAYABLE, -amount),
    )


def credit_note_booked(
    source_key: str,
    activity_id: str,
    *,
    unpaid_vat: Decimal,
    refund_vat: Decimal,
    refund_contribution: Decimal,
    refund_activity_share: Decimal,
    occurred_at: datetime,
    memo: str = "",
) -> Transaction:
    """A credit note: the VAT it cancels is no longer due, and money already received is owed back.

    The unpaid part only reverses its accrued VAT. The paid part reverses
    exactly what that money booked: its VAT, its contribution and its
    activity share, all now owed to the client (``refunds_payable``). The
    share comes back from the activity, even when the payment had repaid a
    guarantee advance: that advance is then owed by the activity again, so
    the budget may go below zero by it (``position.invoice_credited``).
    """
    unpaid = money(unpaid_vat, "unpaid_vat")
    vat = money(refund_vat, "refund_vat")
    cut = money(refund_contribution, "refund_contribution")
    share = money(refund_activity_share, "refund_activity_share")
    return _transaction(
        source_key, TransactionKind.CREDIT_NOTE, occurred_at, memo,
        (VAT_PAYABLE, unpaid + vat),
        (CLIENTS_VAT_RECEIVABLE, -unpaid),
        (COOPERATIVE_CONTRIBUTION, cut),
        (activity_account(activity_id), share),
        (REFUNDS_PAYABLE, -(vat + cut + share)),
    )


def advance_reclaimed(
    source_key: str, activity_id: str, amount: Decimal, occurred_at: datetime, memo: str = ""
) -> Transaction:
    """A credited invoice no longer covers the advance made against it: the activity owes it, not the fund."""
    owed = money(amount, "amount", allow_zero=False)
    return _transaction(
        source_key, TransactionKind.ADVANCE_RECLAIMED, occurred_at, memo,
        (activity_account(activity_id), owed), (guarantee_advances_account(activity_id), -owed),
    )


def refund_paid(source_key: str, amount: Decimal, occurred_at: datetime, memo: str = "") -> Transaction:
    """The refund owed to a client left the bank."""
    paid = money(amount, "amount", allow_zero=False)
    return _transaction(
        source_key, TransactionKind.REFUND_PAYMENT, occurred_at, memo, (REFUNDS_PAYABLE, paid), (BANK, -paid)
    )


def internal_transfer(
    source_key: str, buyer_activity_id: str, seller_activity_id: str, amount: Decimal, occurred_at: datetime,
    memo: str = "",
) -> Transaction:
    """Money between two activities of the cooperative: one activity's budget to the other's, no bank."""
    moved = money(amount, "amount", allow_zero=False)
    if buyer_activity_id == seller_activity_id:
        raise DomainError(ErrorCode.INVALID_VALUE, "an activity does not transfer to itself", "buyer_activity_id")
    return _transaction(
        source_key, TransactionKind.INTERNAL_TRANSFER, occurred_at, memo,
        (activity_account(buyer_activity_id), moved), (activity_account(seller_activity_id), -moved),
    )


def _transaction(
    source_key: str, kind: TransactionKind, occurred_at: datetime, memo: str, *lines: tuple[str, Decimal]
) -> Transaction:
    # Zero lines (no VAT, nothing to repay…) are dropped: they carry no information.
    postings = tuple(Posting(account, amount) for account, amount in lines if amount != 0)
    return Transaction(source_key, kind, postings, occurred_at, memo)


def _id(value: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(ErrorCode.INVALID_VALUE, f"{name} must be a non-empty string", name)
    return value
