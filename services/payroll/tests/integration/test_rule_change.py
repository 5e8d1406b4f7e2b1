"""A contract across a change of payroll rules: each day is paid under the rules in force that day."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from payroll.adapters.ledger_repository import LedgerRepository
from payroll.config import PayrollSettings
from payroll.domain.ledger import activity_account
from payroll.domain.rules import DEFAULT_RULES_CONFIG

from .conftest import Payroll, work_days

D = Decimal
MONDAY = date(2026, 5, 4)
CHANGE = date(2026, 5, 6)  # a Wednesday: Monday and Tuesday keep the old rates
ADMIN = ("admin-1", "admin")


@pytest.fixture
def payroll_settings(settings_for: Callable[..., Any], tmp_path: Path) -> PayrollSettings:
    book = copy.deepcopy(DEFAULT_RULES_CONFIG)
    raised = {**book["rule_sets"][0], "effective_from": CHANGE.isoformat(),
              "employer_social_security_rate": "0.27", "minimum_gross_per_day": "95.00"}
    book["rule_sets"].append(raised)
    path = tmp_path / "payroll-rules.json"
    path.write_text(json.dumps(book), encoding="utf-8")
    settings: PayrollSettings = settings_for(PayrollSettings, jobs_enabled=False, payroll_rules_file=path)
    return settings


async def funded_member(payroll: Payroll) -> None:
    await payroll.member("ada")
    await payroll.activity("act-ada", "ada")
    invoice = await payroll.invoice("inv-ada001", "act-ada", "ada", D("3000.00"))
    await payroll.payment(invoice, "pay-ada")


async def test_each_day_is_costed_and_paid_under_its_own_rules(payroll: Payroll) -> None:
    await funded_member(payroll)
    response = await payroll.request_salary("ada", "act-ada", work_days(MONDAY, 4), gross="1000.00")
    assert response.status_code == 201, response.text
    salary = response.json()["payslip"]
    # 500.00 for Monday-Tuesday at 25 % employer social security, 500.00 for Wednesday-Thursday at 27 %:
    # 675.00 + 685.00. The first day's rules for every day would have committed 1,350.00.
    assert [(p["rules_effective_from"], p["first_work_day"], p["work_days"], p["gross"], p["employment_budget"])
            for p in salary["periods"]] == [
        ("2026-01-01", "2026-05-04", 2, "500.00", "675.00"),
        ("2026-05-06", "2026-05-06", 2, "500.00", "685.00"),
    ]
    assert D(salary["employment_budget"]) == D("1360.00") and D(salary["gross"]) == D("1000.00")
    lines = {line["code"]: line for line in salary["lines"]}
    assert D(lines["period_1.employer_social_security"]["rate"]) == D("0.25")
    assert D(lines["period_2.employer_social_security"]["rate"]) == D("0.27")
    assert D(lines["employment_budget"]["amount"]) == D("1360.00")
    assert D(salary["net"]) == sum(D(p["net"]) for p in salary["periods"])
    position = await LedgerRepository(payroll.runtime.db, payroll.clock).account_balances(
        [activity_account("act-ada")])
    assert position[activity_account("act-ada")] == D("1360.00") - (D("3000.00") - D("195.00"))

    payroll.clock.move_to(date(2026, 5, 10))
    run = await payroll.client.post("/api/v1/payroll/runs", json={}, headers=payroll.auth(*ADMIN))
    assert run.status_code == 201 and run.json()["payslips"] == 1, run.text
    [payslip] = (await payroll.client.get("/api/v1/payslips", headers=payroll.auth("ada"))).json()["items"]
    assert payslip["employment_budget"] == salary["employment_budget"]
    assert payslip["periods"] == salary["periods"] and payslip["lines"] == salary["lines"]
    pdf = await payroll.client.get(f"/api/v1/payslips/{payslip['id']}/pdf", headers=payroll.auth("ada"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_a_day_below_the_minimum_in_force_that_day_is_refused(payroll: Payroll) -> None:
    await funded_member(payroll)
    # 370.00 for 4 days is 92.50 a day: enough before the change (90.00), not after it (95.00).
    response = await payroll.request_salary("ada", "act-ada", work_days(MONDAY, 4), gross="370.00")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "below_minimum_gross" and error["field"] == "gross"
    [details] = error["details"]
    assert (details["first_work_day"], details["minimum_gross_per_day"], details["gross"]) == (
        "2026-05-06", "95.00", "185.00")
    assert await payroll.runtime.db.contracts.count_documents({}) == 0
