"""Credit notes, VAT accrual and internal transfers on an activity's position (pure domain)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from payroll.domain import ledger
from payroll.domain.errors import DomainError
from payroll.domain.ledger import activity_account, guarantee_advances_account
from payroll.domain.position import (
    ActivityPosition,
    Outcome,
    PaymentNotYetBooked,
    Receivable,
    internal_transfer,
    invoice_credited,
    invoice_issued,
    payment_received,
    salary_committed,
)
from payroll.domain.rules import default_rule_book
from payroll.domain.salary import salary_from_gross

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal
SALARY = salary_from_gross(D("400.00"), 2, default_rule_book().for_date(date(2026, 4, 1)))  # costs 540.00


def postings(*transactions: ledger.Transaction) -> dict[str, Decimal]:
    return ledger.balances(transactions)


def issued(position: ActivityPosition, share: str = "935.00", vat: str = "210.00") -> tuple[ActivityPosition,
                                                                                             Receivable]:
    outcome = invoice_issued(position, Receivable("x", "a"), D(share), vat=D(vat), source_key="invoice-issued:x",
                             occurred_at=AT)
    assert outcome.receivable is not None
    assert postings(*outcome.transactions) == {ledger.CLIENTS_VAT_RECEIVABLE: D(vat), ledger.VAT_PAYABLE: -D(vat)}
    return outcome.position, outcome.receivable


def test_an_internal_invoice_is_no_cover_and_accrues_no_vat() -> None:
    outcome = invoice_issued(ActivityPosition("a"), Receivable("x", "a"), D("500.00"), internal=True)
    assert outcome.transactions == () and outcome.position.receivables == 0
    with pytest.raises(DomainError):
        salary_committed(outcome.position, contract_id="c", salary=SALARY, occurred_at=AT)


def test_a_credit_note_after_payment_reverses_it_and_reclaims_nothing_from_the_fund() -> None:
    position, receivable = issued(ActivityPosition("a"))
    advanced = salary_committed(position, contract_id="c1", salary=SALARY, occurred_at=AT)
    assert advanced.advanced == D("540.00")
    paid = payment_received(advanced.position, receivable, source_key="payment:p", amount_excl_vat=D("1000.00"),
                            vat=D("210.00"), contribution=D("65.00"), occurred_at=AT)
    assert paid.repaid == D("540.00") and paid.position.available == D("395.00")
    assert paid.receivable is not None
    credited = invoice_credited(paid.position, paid.receivable, source_key="credit-note:n", credit_note_id="n",
                                unpaid_share=D("0"), unpaid_vat=D("0"), refund_excl_vat=D("1000.00"),
                                refund_vat=D("210.00"), refund_contribution=D("65.00"), occurred_at=AT)
    # The share comes back from the activity: below zero by exactly the advance its payment had repaid.
    assert credited.position.available == D("-540.00") and credited.absorbed == 0
    assert postings(*credited.transactions) == {
        ledger.VAT_PAYABLE: D("210.00"), ledger.COOPERATIVE_CONTRIBUTION: D("65.00"),
        activity_account("a"): D("935.00"), ledger.REFUNDS_PAYABLE: D("-1210.00")}
    assert credited.position.totals.remaining == credited.position.available
    with pytest.raises(DomainError) as refused:
        salary_committed(credited.position, contract_id="c2", salary=SALARY, occurred_at=AT)
    assert refused.value.code == "insufficient_budget" and "owes 540.00" in refused.value.message


def test_an_unpaid_invoice_credited_after_an_advance_leaves_the_advance_owed_by_the_activity() -> None:
    position, receivable = issued(ActivityPosition("a"))
    advanced = salary_committed(position, contract_id="c1", salary=SALARY, occurred_at=AT)
    half = invoice_credited(advanced.position, receivable, source_key="credit-note:n1", credit_note_id="n1",
                            unpaid_share=D("300.00"), unpaid_vat=D("70.00"), occurred_at=AT)
    assert half.reclaimed == 0 and half.position.receivables == D("635.00")  # still covers the 540.00
    assert half.receivable is not None
    again = invoice_credited(half.position, half.receivable, source_key="credit-note:n1", credit_note_id="n1",
                             unpaid_share=D("300.00"), unpaid_vat=D("70.00"), occurred_at=AT)
    assert not again.changed and again.transactions == ()
    rest = invoice_credited(half.position, half.receivable, source_key="credit-note:n2", credit_note_id="n2",
                            unpaid_share=D("635.00"), unpaid_vat=D("140.00"), occurred_at=AT)
    assert rest.reclaimed == D("540.00") and rest.absorbed == 0
    assert rest.position.available == D("-540.00") and rest.position.advance == 0
    books = postings(*position_transactions(advanced, half, rest))
    assert books.get(ledger.GUARANTEE_FUND, D(0)) == 0
    assert books[guarantee_advances_account("a")] == 0 and books[activity_account("a")] == D("540.00")


def position_transactions(*outcomes: Outcome) -> list[ledger.Transaction]:
    return [transaction for outcome in outcomes for transaction in outcome.transactions]


def test_a_refund_waits_for_a_payment_not_booked_yet() -> None:
    position, receivable = issued(ActivityPosition("a"))
    with pytest.raises(PaymentNotYetBooked):
        invoice_credited(position, receivable, source_key="credit-note:n", credit_note_id="n",
                         unpaid_share=D("0"), unpaid_vat=D("0"), refund_excl_vat=D("100.00"), refund_vat=D("21.00"),
                         refund_contribution=D("6.50"), occurred_at=AT)


def test_an_internal_transfer_moves_budget_only_when_the_buyer_has_it() -> None:
    buyer, seller = ActivityPosition("b", available=D("50.00")), ActivityPosition("s")
    with pytest.raises(DomainError) as short:
        internal_transfer(buyer, seller, source_key="t", amount=D("80.00"), occurred_at=AT)
    assert short.value.details["missing"] == "30.00"
    paid, received = internal_transfer(replace_available(buyer, "80.00"), seller, source_key="t",
                                       amount=D("80.00"), occurred_at=AT)
    assert paid.position.available == 0 and received.position.available == D("80.00")
    assert postings(*paid.transactions) == {activity_account("b"): D("80.00"), activity_account("s"): D("-80.00")}
    assert received.transactions == ()  # one transaction, stored once
    with pytest.raises(DomainError):
        ledger.internal_transfer("t", "b", "b", D("1.00"), AT)


def replace_available(position: ActivityPosition, amount: str) -> ActivityPosition:
    return ActivityPosition(position.activity_id, available=D(amount))
