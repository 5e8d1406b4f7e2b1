"""Double-entry ledger: every transaction balances, builders post what the domain says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payroll.domain import ledger
from payroll.domain.errors import DomainError
from payroll.domain.ledger import (
    BANK,
    COOPERATIVE_CONTRIBUTION,
    EMPLOYER_COSTS_PAYABLE,
    EXPENSES_PAYABLE,
    GUARANTEE_FUND,
    SALARIES_PAYABLE,
    SOCIAL_SECURITY_PAYABLE,
    VAT_PAYABLE,
    VAT_RECEIVABLE,
    WITHHOLDING_TAX_PAYABLE,
    Posting,
    Transaction,
    TransactionKind,
    activity_account,
    available_budget,
    balances,
    guarantee_advances_account,
    outstanding_advance,
)
from payroll.domain.rules import default_rule_book
from payroll.domain.salary import minimum_gross, salary_from_gross

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = default_rule_book().for_date(date(2026, 3, 1))
RATE = Decimal("0.065")
D = Decimal


def postings(tx: Transaction) -> dict[str, Decimal]:
    return {p.account: p.amount for p in tx.postings}


def test_account_ids() -> None:
    assert activity_account("a1") == "activity:a1"
    assert guarantee_advances_account("a1") == "guarantee_fund:advances:a1"
    assert COOPERATIVE_CONTRIBUTION == "cooperative:contribution"
    with pytest.raises(DomainError):
        activity_account("  ")


def test_unbalanced_transaction_is_refused_on_construction() -> None:
    with pytest.raises(DomainError) as raised:
        Transaction("evt-1", TransactionKind.EXPENSE, (Posting(BANK, D("10.00")), Posting("x", D("-9.99"))), AT)
    assert raised.value.code == "unbalanced_transaction"
    assert raised.value.details["sum"] == "0.01"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"postings": (Posting(BANK, D("10.00")),)},  # a single posting cannot balance anything
        {"occurred_at": datetime(2026, 3, 2, 9, 0)},  # naive datetime
        {"source_key": ""},
    ],
)
def test_transaction_invariants(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "source_key": "evt-1",
        "kind": TransactionKind.EXPENSE,
        "postings": (Posting(BANK, D("10.00")), Posting("x", D("-10.00"))),
        "occurred_at": AT,
    }
    args.update(kwargs)
    with pytest.raises(DomainError):
        Transaction(**args)


@pytest.mark.parametrize("amount", [D("0"), D("0.001"), 1.5])
def test_posting_needs_a_non_zero_cent_amount(amount: Any) -> None:
    with pytest.raises(DomainError):
        Posting(BANK, amount)


def test_client_payment_splits_vat_contribution_and_activity_share() -> None:
    tx = ledger.client_payment_received("pay-1", "a1", D("1000.00"), D("210.00"), RATE, D("0"), AT)
    assert tx.kind is TransactionKind.CLIENT_PAYMENT
    assert postings(tx) == {
        BANK: D("1210.00"),
        VAT_PAYABLE: D("-210.00"),
        COOPERATIVE_CONTRIBUTION: D("-65.00"),
        "activity:a1": D("-935.00"),
    }


def test_client_payment_repays_the_guarantee_advance_first() -> None:
    tx = ledger.client_payment_received("pay-1", "a1", D("1000.00"), D("210.00"), RATE, D("400.00"), AT)
    assert postings(tx) == {
        BANK: D("1210.00"),
        VAT_PAYABLE: D("-210.00"),
        COOPERATIVE_CONTRIBUTION: D("-65.00"),
        "guarantee_fund:advances:a1": D("-400.00"),
        "activity:a1": D("-535.00"),
    }
    # A payment smaller than the advance goes entirely to the fund.
    small = ledger.client_payment_received("pay-2", "a1", D("100.00"), D("0"), RATE, D("400.00"), AT)
    assert postings(small) == {
        BANK: D("100.00"),
        COOPERATIVE_CONTRIBUTION: D("-6.50"),
        "guarantee_fund:advances:a1": D("-93.50"),
    }


def test_payment_between_activities_has_no_contribution_nor_vat() -> None:
    tx = ledger.client_payment_received("pay-1", "a1", D("500.00"), D("0"), D("0"), D("0"), AT)
    assert postings(tx) == {BANK: D("500.00"), "activity:a1": D("-500.00")}


def test_a_one_cent_instalment_may_be_all_vat_but_a_payment_is_never_zero() -> None:
    # Cumulative rounding can put a whole cent of an instalment in VAT.
    tx = ledger.client_payment_applied("pay-1", "a1", D("0.00"), D("0.01"), D("0.00"), D("0"), AT,
                                       vat_account=ledger.CLIENTS_VAT_RECEIVABLE)
    assert postings(tx) == {BANK: D("0.01"), ledger.CLIENTS_VAT_RECEIVABLE: D("-0.01")}
    with pytest.raises(DomainError) as refused:
        ledger.client_payment_applied("pay-2", "a1", D("0.00"), D("0.00"), D("0.00"), D("0"), AT)
    assert refused.value.field == "amount_excl_vat"


def test_contribution_is_rounded_half_up() -> None:
    tx = ledger.client_payment_received("pay-1", "a1", D("100.10"), D("0"), RATE, D("0"), AT)
    assert postings(tx)[COOPERATIVE_CONTRIBUTION] == D("-6.51")  # 6.5065


def test_expense_debits_the_activity_net_of_recoverable_vat() -> None:
    tx = ledger.expense_approved("exp-1", "a1", D("121.00"), D("21.00"), AT)
    assert postings(tx) == {"activity:a1": D("100.00"), VAT_RECEIVABLE: D("21.00"), EXPENSES_PAYABLE: D("-121.00")}
    with pytest.raises(DomainError):
        ledger.expense_approved("exp-2", "a1", D("10.00"), D("11.00"), AT)


def test_salary_debits_the_full_employer_cost_and_credits_each_payable() -> None:
    s = salary_from_gross(D("1500.00"), 10, RULES)
    tx = ledger.salary_booked("sal-1", "a1", s, AT)
    assert postings(tx) == {
        "activity:a1": D("2025.00"),
        SALARIES_PAYABLE: D("-1070.54"),
        SOCIAL_SECURITY_PAYABLE: D("-571.05"),  # 375.00 employer + 196.05 employee
        WITHHOLDING_TAX_PAYABLE: D("-233.41"),
        EMPLOYER_COSTS_PAYABLE: D("-150.00"),
    }


def test_advance_repayment_and_write_off() -> None:
    txs = [
        ledger.guarantee_advanced("adv-1", "a1", D("300.00"), AT),
        ledger.salary_booked("sal-1", "a1", salary_from_gross(D("222.22"), 2, RULES), AT),
    ]
    b = balances(txs)
    assert outstanding_advance(b, "a1") == D("300.00")
    txs.append(ledger.client_payment_received("pay-1", "a1", D("200.00"), D("42.00"), RATE, D("300.00"), AT))
    b = balances(txs)
    assert outstanding_advance(b, "a1") == D("113.00")  # 300 - (200 - 13)
    txs.append(ledger.write_off_absorbed("wo-1", "a1", D("113.00"), AT))
    b = balances(txs)
    assert outstanding_advance(b, "a1") == D("0")
    assert b[GUARANTEE_FUND] == D("113.00")  # the fund's loss, not the activity's
    # The advance paid the 300.00 salary; the write-off charges nothing back to the activity.
    assert available_budget(b, "a1") == D("0")


def test_salary_paid_clears_the_payable_from_the_bank() -> None:
    tx = ledger.salary_paid("sepa-1:e2e-1", D("1070.54"), AT)
    assert postings(tx) == {SALARIES_PAYABLE: D("1070.54"), BANK: D("-1070.54")}


def test_balances_refuse_a_source_key_booked_twice() -> None:
    tx = ledger.guarantee_advanced("adv-1", "a1", D("1.00"), AT)
    with pytest.raises(DomainError) as raised:
        balances([tx, tx])
    assert raised.value.code == "duplicate_transaction"


def test_available_budget_is_the_activity_credit_balance() -> None:
    b = balances(
        [
            ledger.client_payment_received("pay-1", "a1", D("1000.00"), D("210.00"), RATE, D("0"), AT),
            ledger.expense_approved("exp-1", "a1", D("121.00"), D("21.00"), AT),
        ]
    )
    assert available_budget(b, "a1") == D("835.00")
    assert available_budget(b, "unknown") == D("0")


# --- property: any sequence of valid transactions keeps the ledger balanced ----------------------

amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda n: Decimal(n) / 100)
activities = st.sampled_from(["a1", "a2", "a3"])
operations = st.one_of(
    st.tuples(st.just("payment"), activities, amounts, st.sampled_from([D("0"), D("0.06"), D("0.21")]), st.booleans()),
    st.tuples(st.just("expense"), activities, amounts, st.integers(0, 100)),
    st.tuples(st.just("salary"), activities, st.integers(1, 5), amounts),
    st.tuples(st.just("advance"), activities, amounts),
    st.tuples(st.just("write_off"), activities, st.integers(1, 100)),
    st.tuples(st.just("pay_salaries"), st.integers(1, 100)),
)


@given(st.lists(operations, max_size=40))
def test_any_sequence_of_transactions_keeps_the_ledger_balanced(ops: list[tuple[Any, ...]]) -> None:
    txs: list[Transaction] = []
    expected_budget = {a: D("0") for a in ("a1", "a2", "a3")}
    for n, op in enumerate(ops):
        key = f"evt-{n}"
        current = balances(txs)
        tx: Transaction | None = None
        match op:
            case ("payment", act, excl, vat_rate, internal):
                advance = outstanding_advance(current, act)
                rate = D("0") if internal else RATE
                vat = D("0") if internal else (excl * vat_rate).quantize(D("0.01"))
                tx = ledger.client_payment_received(key, act, excl, vat, rate, advance, AT)
                share = excl - (excl * rate).quantize(D("0.01"), rounding="ROUND_HALF_UP")
                expected_budget[act] += share - min(share, advance)
            case ("expense", act, incl, vat_percent):
                vat = (incl * vat_percent / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
                tx = ledger.expense_approved(key, act, incl, vat, AT)
                expected_budget[act] -= incl - vat
            case ("salary", act, days, gross):
                s = salary_from_gross(max(gross, minimum_gross(days, RULES)), days, RULES)
                tx = ledger.salary_booked(key, act, s, AT)
                expected_budget[act] -= s.employment_budget
            case ("advance", act, amount):
                tx = ledger.guarantee_advanced(key, act, amount, AT)
                expected_budget[act] += amount
            case ("write_off", act, percent):
                absorbed = (outstanding_advance(current, act) * percent / 100).quantize(
                    D("0.01"), rounding="ROUND_DOWN"
                )
                if absorbed > 0:
                    tx = ledger.write_off_absorbed(key, act, absorbed, AT)
            case ("pay_salaries", percent):
                net = (-current.get(SALARIES_PAYABLE, D("0")) * percent / 100).quantize(
                    D("0.01"), rounding="ROUND_DOWN"
                )
                if net > 0:
                    tx = ledger.salary_paid(key, net, AT)
        if tx is not None:
            assert sum(p.amount for p in tx.postings) == 0
            txs.append(tx)

    final = balances(txs)
    assert sum(final.values(), D("0")) == 0
    for act, budget in expected_budget.items():
        assert available_budget(final, act) == budget
        assert outstanding_advance(final, act) >= 0  # repayment never takes back more than was advanced
    assert final.get(SALARIES_PAYABLE, D("0")) <= 0  # never paid out more net salary than was booked
