"""The accountants' journal on the real handlers and database: balanced entries, PCMN codes, the ledgers' figures."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .conftest import Payroll, work_days

D = Decimal
MAY = date(2026, 5, 4)
JOURNAL = "/api/v1/accounting/journal"


async def _month_of_work(payroll: Payroll) -> None:
    """An invoice issued in March, a salary guaranteed on 1 April (the clock's day), the client paying on 2 April,
    and a second invoice issued and paid in May."""
    await payroll.member("mj")
    await payroll.activity("aj", "mj")
    march = await payroll.invoice("inv-j00001", "aj", "mj", D("1000.00"), at=datetime(2026, 3, 20, 10, tzinfo=UTC))
    response = await payroll.request_salary("mj", "aj", work_days(MAY, 2), gross="400.00")
    assert response.status_code == 201, response.text
    await payroll.payment(march, "pay-j1", at=datetime(2026, 4, 2, 10, tzinfo=UTC))
    may = await payroll.invoice("inv-j00002", "aj", "mj", D("200.00"), at=datetime(2026, 5, 10, 9, tzinfo=UTC))
    await payroll.payment(may, "pay-j2", at=datetime(2026, 5, 10, 21, 30, tzinfo=UTC))  # 23:30 in Brussels


async def _pages(payroll: Payroll, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await payroll.client.get(JOURNAL, params={**params, **({"cursor": cursor} if cursor else {})},
                                            headers=payroll.auth("admin-1", "admin"))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def _balanced(lines: list[dict[str, Any]]) -> bool:
    return sum(D(line["debit"]) for line in lines) == sum(D(line["credit"]) for line in lines)


async def test_a_month_of_the_journal_in_pages_of_balanced_entries(payroll: Payroll) -> None:
    await _month_of_work(payroll)
    april = await _pages(payroll, **{"from": "2026-04-01", "to": "2026-04-30", "limit": 2})

    mine = [e for e in april if any(line["analytic"] == "aj" for line in e["lines"])]
    assert {e["kind"] for e in mine} >= {"salary", "guarantee_advance", "client_payment"}
    assert all("2026-04-01" <= e["booked_on"] <= "2026-04-30" for e in april)
    assert len({e["entry_id"] for e in april}) == len(april)  # pages neither skip nor repeat
    assert [e["occurred_at"] for e in april] == sorted(e["occurred_at"] for e in april)
    for entry in april:
        assert _balanced(entry["lines"]), entry
        assert all((D(line["debit"]) == 0) != (D(line["credit"]) == 0) for line in entry["lines"])

    payment = next(e for e in mine if e["kind"] == "client_payment")
    by_code = {line["account_code"]: line for line in payment["lines"]}
    assert D(by_code["550"]["debit"]) == D("1210.00")  # the bank received the invoice with its VAT
    assert D(by_code["7000"]["credit"]) == D("65.00")  # the cooperative's 6.5 %
    assert D(by_code["4160"]["credit"]) == D("540.00")  # the guarantee advance repaid first
    assert by_code["4160"]["analytic"] == "aj" and by_code["4890"]["analytic"] == "aj"
    vat = by_code.get("451") or by_code["400"]  # VAT booked on payment, or collected after its accrual at issue
    assert D(vat["credit"]) == D("210.00")


async def test_a_year_as_csv_balances_and_agrees_with_the_activity_ledger(payroll: Payroll) -> None:
    await _month_of_work(payroll)
    response = await payroll.client.get(JOURNAL, params={"from": "2026-01-01", "to": "2026-12-31", "format": "csv"},
                                        headers=payroll.auth("admin-1", "admin"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="journal-2026-01-01-2026-12-31.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and list(rows[0]) == ["entry_id", "booked_on", "kind", "account_code", "account_name", "analytic",
                                      "ledger_account", "debit", "credit", "memo"]

    def amount(value: str) -> Decimal:
        return D(value) if value else D(0)

    per_entry: dict[str, Decimal] = defaultdict(Decimal)
    per_account: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        movement = amount(row["debit"]) - amount(row["credit"])
        per_entry[row["entry_id"]] += movement
        per_account[(row["account_code"], row["analytic"])] += movement
    assert all(total == 0 for total in per_entry.values())  # every entry, so the whole file, balances
    assert "499" not in {code for code, _ in per_account}  # every ledger account has its chart code

    ledger = await payroll.ledger("aj")
    assert -per_account[("4890", "aj")] == D(ledger["available_budget"])  # what the activity may still spend
    assert per_account[("4160", "aj")] == D(ledger["outstanding_advance"]) == 0

    may_payment = [r for r in rows if r["entry_id"] == "payment:pay-j2"]
    assert may_payment and {r["booked_on"] for r in may_payment} == {"2026-05-10"}  # 23:30 in Brussels


async def test_bad_periods_and_people_who_are_not_administrators_are_refused(payroll: Payroll) -> None:
    admin = payroll.auth("admin-1", "admin")

    async def error(params: dict[str, str], headers: dict[str, str] = admin) -> tuple[int, dict[str, Any]]:
        response = await payroll.client.get(JOURNAL, params=params, headers=headers)
        return response.status_code, response.json()["error"]

    status, body = await error({"from": "2026-04-30", "to": "2026-04-01"})
    assert status == 422 and body["field"] == "to"
    status, body = await error({"from": "2026-01-01", "to": "2027-02-15"})
    assert status == 422 and body["field"] == "to" and "400 days" in body["message"]
    status, body = await error({"to": "2026-04-01"})
    assert status == 422 and "from" in str(body)
    status, body = await error({"from": "2026-04-01", "to": "2026-04-30", "format": "xml"})
    assert status == 422 and "format" in str(body)
    status, _ = await error({"from": "2026-04-01", "to": "2026-04-30"}, payroll.auth("mj"))
    assert status == 403
