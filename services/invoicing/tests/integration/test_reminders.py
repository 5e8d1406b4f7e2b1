"""Overdue invoices: each step once per invoice however often and however
concurrently the job runs; reminder letters; write-off after the formal notice."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import InvoiceOverdue, InvoiceWrittenOff, ReminderSent
from invoicing.service_layer.reminders import ReminderService

from .conftest import Platform, line

ISSUED_ON = date(2026, 3, 10)
DUE = date(2026, 3, 24)  # 14 days
ADMIN = {"role": "admin"}


async def _overdue_invoices(platform: Platform) -> tuple[dict[str, str], list[dict[str, Any]]]:
    platform.ctx.clock = DayClock(ISSUED_ON)
    _, activity, owner = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(owner, activity)
    unpaid = await platform.issued(owner, activity, client["id"], payment_term_days=14)
    partly = await platform.issued(owner, activity, client["id"], [line("Mix", "1", "C62", "100.00", "21")],
                                   payment_term_days=14)
    paid = await platform.issued(owner, activity, client["id"], [line("Mix", "1", "C62", "100.00", "21")],
                                 payment_term_days=14)
    staff = platform.auth("adv-1", "advisor")
    for invoice, amount in ((partly, "21.00"), (paid, "121.00")):
        response = await platform.http.post("/api/v1/payments", headers=staff, json={
            "invoice_id": invoice["id"], "amount": amount, "received_on": "2026-03-10"})
        assert response.status_code == 201, response.text
    return owner, [unpaid, partly, paid]


async def test_each_step_is_taken_once_even_when_the_job_runs_many_times_at_once(platform: Platform) -> None:
    owner, (unpaid, partly, paid) = await _overdue_invoices(platform)
    admin = platform.auth("admin-1", "admin")
    http = platform.http
    job = ReminderService(platform.ctx)

    async def run_everywhere(times: int) -> list[dict[str, Any]]:
        # Several replicas' jobs and the admin endpoint, all at once.
        runs: list[Any] = [job.run() for _ in range(times)]
        runs += [http.post("/api/v1/reminders/run", headers=admin) for _ in range(times)]
        results = await asyncio.gather(*runs)
        return [r if isinstance(r, dict) else r.json() for r in results]

    platform.ctx.clock = DayClock(DUE)  # due today: not late yet
    assert all(r["overdue"] == 0 for r in await run_everywhere(2))
    platform.ctx.clock = DayClock(DUE + timedelta(days=7))  # past due + 7
    results = await run_everywhere(4)
    assert sum(r["overdue"] for r in results) == 2 and sum(r["first_reminder"] for r in results) == 2
    assert sum(r["formal_notice"] for r in results) == 0
    doc = (await http.get(f"/api/v1/invoices/{unpaid['id']}", headers=owner)).json()
    assert (doc["overdue"], doc["reminders"]) == (True, {"overdue": "2026-03-31", "first_reminder": "2026-03-31"})
    platform.ctx.clock = DayClock(DUE + timedelta(days=21))  # past due + 21
    results = await run_everywhere(4)
    assert sum(r["formal_notice"] for r in results) == 2 and sum(r["first_reminder"] for r in results) == 0
    platform.ctx.clock = DayClock(DUE + timedelta(days=60))
    assert all(r["overdue"] + r["first_reminder"] + r["formal_notice"] == 0 for r in await run_everywhere(2))

    await platform.tap.drain()
    overdue = [InvoiceOverdue.model_validate(e["data"]) for e in platform.tap.of(InvoiceOverdue.event_type)]
    assert sorted(o.invoice_id for o in overdue) == sorted([unpaid["id"], partly["id"]])
    reminders = [ReminderSent.model_validate(e["data"]) for e in platform.tap.of(ReminderSent.event_type)]
    assert sorted((r.invoice_id, r.level) for r in reminders) == sorted([
        (unpaid["id"], "first_reminder"), (unpaid["id"], "formal_notice"),
        (partly["id"], "first_reminder"), (partly["id"], "formal_notice")])
    assert {r.outstanding_incl_vat for r in reminders if r.invoice_id == partly["id"]} == {Decimal("100.00")}
    assert all(r.client_email == "compta@theatre-lune.example" for r in reminders)
    assert paid["id"] not in {r.invoice_id for r in reminders}
    assert await platform.runtime.db.reminders.count_documents({}) == 6


async def test_reminder_letters_and_write_off_after_the_formal_notice(platform: Platform) -> None:
    owner, (unpaid, partly, _) = await _overdue_invoices(platform)
    http = platform.http
    admin = platform.auth("admin-1", "admin")
    advisor = platform.auth("adv-1", "advisor")
    _, _, stranger = await platform.member_with_activity()
    pdf = f"/api/v1/invoices/{partly['id']}/reminders/first_reminder/pdf"
    assert (await http.get(pdf, headers=owner)).json()["error"]["code"] == "reminder_not_found"
    early = await http.post(f"/api/v1/invoices/{partly['id']}/write-off", headers=advisor,
                            json={"reason": "Client vanished"})
    assert (early.status_code, early.json()["error"]["code"]) == (409, "invoice.reminders_pending")

    platform.ctx.clock = DayClock(DUE + timedelta(days=8))
    assert (await http.post("/api/v1/reminders/run", headers=admin)).json()["first_reminder"] == 2
    letter = await http.get(pdf, headers=owner)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")
    assert letter.headers["content-type"] == "application/pdf"
    assert (await http.get(pdf, headers=stranger)).status_code == 404
    assert (await http.get(pdf.replace("first_reminder", "formal_notice"), headers=owner)).status_code == 404
    assert (await http.get(pdf.replace("first_reminder", "second"), headers=owner)).status_code == 422
    for headers in (owner, advisor):  # the job's endpoint is for admins
        assert (await http.post("/api/v1/reminders/run", headers=headers)).status_code == 403

    platform.ctx.clock = DayClock(DUE + timedelta(days=22))
    assert (await http.post("/api/v1/reminders/run", headers=admin)).json()["formal_notice"] == 2
    notice = await http.get(pdf.replace("first_reminder", "formal_notice"), headers=advisor)
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF-")
    path = f"/api/v1/invoices/{partly['id']}/write-off"
    assert (await http.post(path, headers=owner, json={"reason": "mine"})).status_code == 403
    assert (await http.post(path, headers=stranger, json={"reason": "x"})).status_code == 404
    written = await http.post(path, headers=advisor, json={"reason": "Client declared bankrupt"})
    assert written.status_code == 200, written.text
    assert (written.json()["status"], written.json()["outstanding"], written.json()["overdue"]) == (
        "written_off", "0.00", False)
    again = await http.post(path, headers=advisor, json={"reason": "again"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invoice.not_open")
    # A late payment on it is never lost: kept for an advisor to refund.
    late = await http.post("/api/v1/payments", headers=advisor, json={
        "invoice_id": partly["id"], "amount": "100.00", "received_on": "2026-04-15"})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invoice.not_payable")

    await platform.tap.drain()
    [event] = [InvoiceWrittenOff.model_validate(e["data"]) for e in platform.tap.of(InvoiceWrittenOff.event_type)]
    # 100.00 of 121.00 unpaid: 82.64 excl. VAT, less its 5.37 contribution.
    assert (event.invoice_id, event.outstanding_incl_vat, event.outstanding_activity_share, event.reason) == (
        partly["id"], Decimal("100.00"), Decimal("77.27"), "Client declared bankrupt")
    assert unpaid["id"] not in {e["data"]["invoice_id"] for e in platform.tap.of(InvoiceWrittenOff.event_type)}
