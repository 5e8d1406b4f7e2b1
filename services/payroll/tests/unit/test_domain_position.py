"""Activity positions: balanced books, order- and duplicate-independence, the guarantee's pool rules."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payroll.domain import ledger
from payroll.domain.errors import DomainError
from payroll.domain.ledger import activity_account, guarantee_advances_account
from payroll.domain.money import ZERO
from payroll.domain.position import (
    ActivityPosition,
    Receivable,
    Settlement,
    expense_approved,
    invoice_issued,
    invoice_settled,
    payment_received,
    salary_committed,
)
from payroll.domain.rules import default_rule_book
from payroll.domain.salary import salary_from_gross
from payroll.testing import MemoryBook, Scenario, deliveries, invoicing_scenario

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = default_rule_book()
D = Decimal


def replay(scenario: Scenario, order_seed: int) -> MemoryBook:
    rng = random.Random(order_seed)
    book = MemoryBook(RULES)
    book.deliver_all(deliveries(scenario.issued, rng))
    for index, phase in enumerate(scenario.phases):
        book.deliver_all(deliveries(phase.events, rng))
        if phase.salary is not None:
            book.request_salary(phase.salary, f"contract-{index}", date(2026, 4, 1))
    return book


def comparable(position: ActivityPosition) -> ActivityPosition:
    # The sequence counts changes; a no-op delivery in one order may be a
    # (cancelling) change in another, so only the money is compared.
    return replace(position, sequence=0)


def check_books(book: MemoryBook) -> None:
    balances = book.balances()  # also refuses a source key booked twice
    assert sum(balances.values(), ZERO) == 0
    for transaction in book.transactions.values():
        assert sum((p.amount for p in transaction.postings), ZERO) == 0
    for activity_id, position in book.positions.items():
        assert position.available == -balances.get(activity_account(activity_id), ZERO)
        assert position.advance == balances.get(guarantee_advances_account(activity_id), ZERO)
        assert position.receivables == sum(
            (r.cover for r in book.receivables.values() if r.activity_id == activity_id), ZERO)
        assert position.totals.remaining == position.available
        assert ZERO <= position.advance <= position.receivables
    # Whatever the fund absorbed is its loss, never an activity's.
    absorbed = sum((p.totals.advances_absorbed for p in book.positions.values()), ZERO)
    assert balances.get(ledger.GUARANTEE_FUND, ZERO) == absorbed


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32), first=st.integers(0, 2**32), second=st.integers(0, 2**32),
       activities=st.integers(1, 3), phases=st.integers(1, 4))
def test_any_delivery_order_with_duplicates_gives_the_same_books(
    seed: int, first: int, second: int, activities: int, phases: int
) -> None:
    scenario = invoicing_scenario(seed, "x-", activities=activities, phases=phases)
    one, two = replay(scenario, first), replay(scenario, second)
    check_books(one)
    check_books(two)
    assert {k: comparable(v) for k, v in one.positions.items()} == {
        k: comparable(v) for k, v in two.positions.items()}
    assert one.balances() == two.balances()
    assert one.refused == two.refused


def test_a_payment_after_a_write_off_of_another_invoice_still_repays_first() -> None:
    position = ActivityPosition("a", advance=D("100.00"), receivables=D("200.00"))
    x = Receivable("x", "a", issued_share=D("100.00"))
    y = Receivable("y", "a", issued_share=D("100.00"))
    # Write-off of x first: y still covers the whole advance, nothing is absorbed.
    written = invoice_settled(position, x, source_key="w", settlement=Settlement.WRITTEN_OFF,
                              outstanding_share=D("100.00"), occurred_at=AT)
    assert written.absorbed == 0 and written.transactions == ()
    paid = payment_received(written.position, y, source_key="p", amount_excl_vat=D("100.00"), vat=ZERO,
                            contribution=ZERO, occurred_at=AT)
    assert paid.repaid == D("100.00") and paid.position.available == 0 and paid.position.advance == 0


def test_a_write_off_absorbs_only_what_no_remaining_invoice_covers() -> None:
    position = ActivityPosition("a", advance=D("150.00"), receivables=D("200.00"))
    x = Receivable("x", "a", issued_share=D("100.00"))
    outcome = invoice_settled(position, x, source_key="w", settlement=Settlement.WRITTEN_OFF,
                              outstanding_share=D("100.00"), occurred_at=AT)
    assert outcome.absorbed == D("50.00")
    assert outcome.position.advance == D("100.00") == outcome.position.receivables
    postings = {p.account: p.amount for p in outcome.transactions[0].postings}
    assert postings == {ledger.GUARANTEE_FUND: D("50.00"), guarantee_advances_account("a"): D("-50.00")}
    assert outcome.position.available == 0  # the activity is never charged


def test_a_write_off_keeps_cover_for_payments_still_on_their_way() -> None:
    # The producer saw a payment of 50 before writing the rest (100) off; we get the write-off first.
    position = ActivityPosition("a", advance=D("100.00"), receivables=D("150.00"))
    invoice = Receivable("x", "a", issued_share=D("150.00"))
    written = invoice_settled(position, invoice, source_key="w", settlement=Settlement.WRITTEN_OFF,
                              outstanding_share=D("100.00"), occurred_at=AT)
    assert written.absorbed == D("50.00") and written.position.receivables == D("50.00")
    assert written.receivable is not None
    paid = payment_received(written.position, written.receivable, source_key="p", amount_excl_vat=D("50.00"),
                            vat=ZERO, contribution=ZERO, occurred_at=AT)
    assert paid.repaid == D("50.00") and paid.position.advance == 0 and paid.position.available == 0


def test_issue_is_counted_once_and_settling_twice_changes_nothing() -> None:
    position = ActivityPosition("a")
    first = invoice_issued(position, Receivable("x", "a"), D("93.50"))
    assert first.position.receivables == D("93.50") and first.position.sequence == 1
    assert first.receivable is not None
    again = invoice_issued(first.position, first.receivable, D("93.50"))
    assert not again.changed
    settled = invoice_settled(first.position, first.receivable, source_key="c", settlement=Settlement.CREDITED,
                              outstanding_share=D("93.50"), occurred_at=AT)
    assert settled.position.receivables == 0 and settled.receivable is not None
    twice = invoice_settled(settled.position, settled.receivable, source_key="c", settlement=Settlement.CREDITED,
                            outstanding_share=D("93.50"), occurred_at=AT)
    assert not twice.changed


def test_salary_uses_the_budget_first_then_an_advance_within_the_cover() -> None:
    salary = salary_from_gross(D("1000.00"), 2, RULES.for_date(date(2026, 4, 1)))
    cost = salary.employment_budget
    position = ActivityPosition("a", available=D("500.00"), receivables=D("2000.00"))
    outcome = salary_committed(position, contract_id="c1", salary=salary, occurred_at=AT)
    assert outcome.advanced == cost - D("500.00")
    assert outcome.position.available == 0
    assert [t.source_key for t in outcome.transactions] == ["advance:c1", "salary:c1"]
    with pytest.raises(DomainError) as refused:
        salary_committed(ActivityPosition("a"), contract_id="c2", salary=salary, occurred_at=AT)
    assert refused.value.code == "insufficient_budget"
    assert refused.value.details["cap"] == "0.00"


def test_expense_and_payment_totals_explain_the_budget() -> None:
    position = ActivityPosition("a")
    paid = payment_received(position, Receivable("x", "a"), source_key="p", amount_excl_vat=D("1000.00"),
                            vat=D("210.00"), contribution=D("65.00"), occurred_at=AT)
    spent = expense_approved(paid.position, source_key="e", amount_incl_vat=D("121.00"), deductible_vat=D("21.00"),
                             occurred_at=AT)
    totals = spent.position.totals
    assert (totals.turnover_excl_vat, totals.contribution, totals.activity_share) == (
        D("1000.00"), D("65.00"), D("935.00"))
    assert totals.expenses_charged == D("100.00")
    assert spent.position.available == totals.remaining == D("835.00")
    assert spent.budget_changed and spent.position.sequence == 2


def test_an_invoice_of_another_activity_is_refused() -> None:
    with pytest.raises(DomainError):
        invoice_issued(ActivityPosition("a"), Receivable("x", "b"), D("1.00"))
