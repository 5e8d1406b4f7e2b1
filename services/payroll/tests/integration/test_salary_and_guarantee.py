"""Salary requests through the API: contract, Dimona, payslip steps, and the 7-day guarantee."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from coop_shared.contracts.invoicing import InvoiceWrittenOff, PaymentReceived
from coop_shared.messaging.consumer import PermanentError
from coop_shared.messaging.envelope import Envelope
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.money import ZERO

from .conftest import Payroll, work_days

D = Decimal
MAY = date(2026, 5, 4)


async def test_an_unpaid_invoice_guarantees_the_salary_and_is_repaid_first(payroll: Payroll) -> None:
    await payroll.member("m1")
    await payroll.activity("a1", "m1")
    invoice = await payroll.invoice("inv-000001", "a1", "m1", D("1000.00"))  # share 935.00, budget empty

    response = await payroll.request_salary("m1", "a1", work_days(MAY, 2), gross="400.00")
    assert response.status_code == 201, response.text
    body = response.json()
    cost = D(body["payslip"]["employment_budget"])
    assert cost == D("540.00")  # 400 gross + 25 % + 10 %
    assert D(body["advance"]) == cost  # the whole cost was advanced: the budget was empty
    assert body["due_date"] == "2026-05-12"  # 7 days after the last work day
    contract = body["contract"]
    assert contract["basis"] == "employment" and contract["dimona"]["status"] == "declared"
    assert contract["dimona"]["reference"].startswith("DIM-")

    before = await payroll.ledger("a1")
    assert D(before["available_budget"]) == 0
    assert D(before["outstanding_advance"]) == cost
    assert D(before["guarantee_headroom"]) == D("935.00") - cost

    await payroll.payment(invoice, "pay-1")  # the client pays: advance first, the rest to the budget
    after = await payroll.ledger("a1")
    assert D(after["outstanding_advance"]) == 0
    assert D(after["available_budget"]) == D("935.00") - cost
    statement = after["statement"]
    assert D(statement["advance_repayments"]) == cost and D(statement["contribution"]) == D("65.00")
    assert D(statement["remaining"]) == D(after["available_budget"])
    assert D(statement["salaries"]["employer_social_security"]) == D("100.00")
    payment_entry = next(e for e in after["entries"] if e["source_key"] == "payment:pay-1")
    assert D(payment_entry["advance_change"]) == -cost
    assert D(payment_entry["budget_change"]) == D("935.00") - cost


async def test_without_unpaid_invoices_the_request_is_refused_with_the_reason(payroll: Payroll) -> None:
    await payroll.member("m2")
    await payroll.activity("a2", "m2")
    response = await payroll.request_salary("m2", "a2", [MAY], gross="200.00")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "insufficient_budget"
    assert "guarantee fund can advance at most 0.00" in error["message"]
    assert error["details"][0] == {"cost": "270.00", "available": "0.00", "cap": "0.00", "missing": "270.00"}
    # Nothing was booked: no contract, no day taken.
    assert (await payroll.request_salary("m2", "a2", [MAY], gross="200.00")).status_code == 422
    listed = await payroll.client.get("/api/v1/contracts", headers=payroll.auth("m2"))
    assert listed.json()["items"] == []


async def test_a_write_off_is_absorbed_by_the_fund_never_by_the_person(payroll: Payroll) -> None:
    await payroll.member("m3")
    await payroll.activity("a3", "m3")
    invoice = await payroll.invoice("inv-000003", "a3", "m3", D("1000.00"))
    response = await payroll.request_salary("m3", "a3", [MAY], gross="300.00")
    assert response.status_code == 201
    cost = D(response.json()["advance"])
    await payroll.deliver(InvoiceWrittenOff(
        invoice_id=invoice.invoice_id, number=invoice.number, activity_id="a3", member_id="m3",
        outstanding_incl_vat=invoice.total_incl_vat, outstanding_activity_share=invoice.activity_share,
        reason="client bankrupt"))
    ledger = await payroll.ledger("a3")
    assert D(ledger["outstanding_advance"]) == 0 and D(ledger["available_budget"]) == 0
    assert D(ledger["statement"]["absorbed_by_guarantee_fund"]) == cost
    fund = (await payroll.client.get("/api/v1/guarantee-fund", headers=payroll.auth("admin", "admin"))).json()
    assert D(fund["absorbed_losses"]) == cost == D(fund["fund_account_balance"])
    assert D(fund["outstanding_advances"]) == 0
    outbox = await payroll.runtime.db.outbox.find_one({"type": "payroll.write_off.absorbed.v1"})
    assert outbox is not None and cost.to_eng_string() in outbox["body"]


async def test_below_the_minimum_daily_gross_is_explained(payroll: Payroll) -> None:
    await payroll.member("m4")
    await payroll.activity("a4", "m4")
    response = await payroll.request_salary("m4", "a4", work_days(MAY, 2), gross="150.00")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "below_minimum_gross" and error["field"] == "gross"
    assert "minimum of 90.00 per day (180.00 in total)" in error["message"]
    assert error["details"][0]["minimum_gross"] == "180.00"


async def test_contract_rules_dimona_days_and_article_1bis(payroll: Payroll) -> None:
    await payroll.member("m5")
    await payroll.member("m6")
    await payroll.activity("a5", "m5", co_managers=("m6",))
    await payroll.attestation("m6", date(2026, 1, 1), date(2026, 12, 31))
    await payroll.payment(await payroll.invoice("inv-000005", "a5", "m5", D("5000.00")), "pay-5")

    # A co-manager with a valid arts attestation gets an article 1bis contract, paid from a budget.
    response = await payroll.request_salary("m6", "a5", work_days(MAY, 3), budget="810.00")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["contract"]["basis"] == "article_1bis" and body["advance"] == "0.00"
    assert body["payslip"]["direction"] == "from_budget" and body["payslip"]["gross"] == "600.00"
    # One contract per person and day.
    clash = await payroll.request_salary("m6", "a5", [MAY + timedelta(days=2)], gross="100.00")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "work_date_taken"
    # The Dimona must exist before work starts: today (in Brussels) is too late.
    late = await payroll.request_salary("m5", "a5", [date(2026, 4, 1)], gross="100.00")
    assert late.status_code == 422 and late.json()["error"]["code"] == "dimona_too_late"
    # Someone who does not run the activity cannot draw on it.
    await payroll.member("stranger")
    other = await payroll.request_salary("stranger", "a5", [MAY], gross="100.00")
    assert other.status_code == 404 and other.json()["error"]["code"] == "activity_not_found"


async def test_idempotency_key_replays_the_first_answer(payroll: Payroll) -> None:
    await payroll.member("m7")
    await payroll.activity("a7", "m7")
    await payroll.payment(await payroll.invoice("inv-000007", "a7", "m7", D("2000.00")), "pay-7")
    body = {"activity_id": "a7", "work_dates": ["2026-05-04"], "gross": "200.00"}
    headers = {**payroll.auth("m7"), "Idempotency-Key": "salary-7"}
    first = await payroll.client.post("/api/v1/salary-requests", json=body, headers=headers)
    again = await payroll.client.post("/api/v1/salary-requests", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    position = await LedgerRepository(payroll.runtime.db, payroll.clock).position("a7")
    assert position.totals.salaries == 1 and position.available > ZERO


async def test_two_requests_racing_for_one_budget_cannot_both_spend_it(payroll: Payroll) -> None:
    await payroll.member("r1")
    await payroll.activity("ar", "r1")
    await payroll.payment(await payroll.invoice("inv-00000r", "ar", "r1", D("1000.00")), "pay-r")  # 935.00
    first, second = await asyncio.gather(  # 540.00 each: only one fits
        payroll.request_salary("r1", "ar", [MAY], gross="400.00"),
        payroll.request_salary("r1", "ar", [MAY + timedelta(days=1)], gross="400.00"),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 422]
    position = await LedgerRepository(payroll.runtime.db, payroll.clock).position("ar")
    assert position.available == D("395.00") and position.totals.salaries == 1


async def test_contradictory_amounts_are_dead_lettered_not_retried(payroll: Payroll) -> None:
    bad = PaymentReceived(
        payment_id="p-bad", invoice_id="i-bad", invoice_number="2026-1", activity_id="a-bad", member_id="m",
        received_on=MAY, amount=D("121.00"), amount_excl_vat=D("100.00"), vat=D("21.00"), contribution=D("6.50"),
        activity_share=D("99.00"), outstanding_incl_vat=D("0.00"), fully_paid=True)
    with pytest.raises(PermanentError, match="activity_share"):
        await payroll.deliver(bad)
    with pytest.raises(ValidationError):
        await payroll.handlers[bad.event_type](Envelope(type=bad.event_type, source="t", data={"payment_id": "x"}))
    assert await LedgerRepository(payroll.runtime.db, payroll.clock).find_position("a-bad") is None
