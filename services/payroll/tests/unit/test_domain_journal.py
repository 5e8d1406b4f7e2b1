"""The journal's chart of accounts and entries, without servers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coop_shared.errors import InvalidValue
from payroll.domain import ledger
from payroll.domain.chart_of_accounts import DEFAULT_CHART, SUSPENSE, ChartOfAccounts
from payroll.domain.errors import DomainError
from payroll.domain.journal import csv_rows, journal_entry, period_bounds

D = Decimal
LEDGER_ACCOUNTS = [ledger.BANK, ledger.COOPERATIVE_CONTRIBUTION, ledger.GUARANTEE_FUND, ledger.SALARIES_PAYABLE,
                   ledger.SOCIAL_SECURITY_PAYABLE, ledger.WITHHOLDING_TAX_PAYABLE, ledger.EMPLOYER_COSTS_PAYABLE,
                   ledger.VAT_PAYABLE, ledger.VAT_RECEIVABLE, ledger.EXPENSES_PAYABLE, ledger.CLIENTS_VAT_RECEIVABLE,
                   ledger.REFUNDS_PAYABLE, ledger.activity_account("a1"), ledger.guarantee_advances_account("a1")]


def test_every_ledger_account_has_a_chart_code() -> None:
    chart = ChartOfAccounts()
    codes = {account: chart.account(account).code for account in LEDGER_ACCOUNTS}
    assert SUSPENSE.code not in codes.values()
    assert codes[ledger.BANK] == "550" and codes[ledger.VAT_PAYABLE] == "451"


def test_an_activity_account_keeps_the_activity_as_analytic_code_and_the_longest_prefix_wins() -> None:
    chart = ChartOfAccounts()
    advance = chart.account(ledger.guarantee_advances_account("a-7"))
    assert (advance.code, advance.analytic) == ("4160", "a-7")  # not the fund's own 1330
    assert chart.account(ledger.GUARANTEE_FUND).code == "1330"
    assert chart.account(ledger.activity_account("a-7")).analytic == "a-7"
    unknown = chart.account("something:new")
    assert (unknown.code, unknown.analytic) == (SUSPENSE.code, "something:new")  # visible, never dropped


def test_a_cooperative_may_use_its_own_codes() -> None:
    chart = ChartOfAccounts.from_json('{"bank": {"code": "5501", "name": "KBC current account"}}')
    assert chart.account(ledger.BANK).code == "5501"
    assert chart.account(ledger.VAT_PAYABLE).code == DEFAULT_CHART[ledger.VAT_PAYABLE].code
    for bad in ('{"bank": {"code": "BANK", "name": "x"}}', '{"bank": {"name": "x"}}', "[1]", "not json"):
        with pytest.raises(DomainError) as refused:
            ChartOfAccounts.from_json(bad)
        assert refused.value.field == "chart_of_accounts"


def test_an_entry_has_one_line_per_posting_on_its_side_dated_in_brussels() -> None:
    payment = ledger.client_payment_applied("payment:p1", "a1", D("1000.00"), D("210.00"), D("65.00"), D("100.00"),
                                            datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Invoice 2026-000001")
    entry = journal_entry(payment, ChartOfAccounts())
    assert entry.booked_on == date(2026, 4, 1)  # 00:30 in Brussels
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines) == D("1210.00")
    lines = {line.account_code: line for line in entry.lines}
    assert lines["550"].debit == D("1210.00") and lines["550"].credit == 0
    assert lines["4160"].credit == D("100.00") and lines["4890"].credit == D("835.00")
    rows = list(csv_rows(entry))
    assert len(rows) == len(payment.postings)
    assert rows[0][:4] == ("payment:p1", "2026-04-01", "client_payment", "550") and rows[0][7:9] == ("1210.00", "")


def test_a_period_is_whole_brussels_days_and_bounded() -> None:
    start, end = period_bounds(date(2026, 3, 1), date(2026, 3, 31))
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 31, 22, tzinfo=UTC)  # summer time began on 29 March
    for first, last in ((date(2026, 4, 2), date(2026, 4, 1)), (date(2026, 1, 1), date(2027, 2, 5))):
        with pytest.raises(InvalidValue) as refused:
            period_bounds(first, last)
        assert refused.value.field == "to" and refused.value.code in {"period_reversed", "period_too_long"}
