"""A member asks a salary in the browser (fr): a day already started, or more than the budget holds, is refused next
to its field in French, with what was typed kept; then the contract is signed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from coop_shared.testing.dates import cooperative_today
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api, eventually

pytestmark = pytest.mark.e2e


def test_a_salary_request_is_refused_in_the_members_language_then_signed(  # type: ignore[no-untyped-def]
        platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        member = api.member_with_client(admin, "Paul Salaire", "Studio Paul")
        invoice = api.post("/api/v1/invoices", member["headers"], json={
            "activity_id": member["activity_id"], "client_id": member["client_id"],
            "lines": [{"description": "Concert", "quantity": "1", "unit_price": "1000.00", "vat_rate": "21"}]}).json()
        assert api.post(f"/api/v1/invoices/{invoice['id']}/issue", member["headers"]).status_code == 200
        assert api.post("/api/v1/payments", admin, json={"invoice_id": invoice["id"], "amount": "1210.00",
                                                         "received_on": cooperative_today().isoformat()}
                        ).status_code == 201
        eventually(lambda: api.get(f"/api/v1/ledger/activities/{member['activity_id']}", member["headers"]),
                   lambda r: r.status_code == 200 and float(r.json()["available_budget"]) > 300)

    paul = visitor_factory("fr")
    page = paul.page
    page.goto(platform.gateway + "/app/login")
    paul.label("E-mail").fill(member["email"])
    paul.label("Password").fill(PASSWORD)
    paul.button("Log in").click()
    paul.expect_path("/app/")
    page.locator("#language-switch").select_option("fr")
    page.locator("#language-switch ~ button").click()
    page.goto(platform.gateway + "/app/salary/requests")

    def ask(first_day: date, budget: str) -> None:
        paul.label("Activity").select_option(label="Studio Paul")
        paul.label("First work day").fill(first_day.isoformat())
        paul.label("Consecutive work days").fill("1")
        paul.label("Budget").fill(budget)
        paul.button("Request the salary").click()

    ask(cooperative_today(), "300")  # the Dimona is declared before work starts: today has started
    expect(page.locator("#first_work_day-error")).to_have_text(
        paul._("Work is declared before it starts: choose a later first work day."))
    expect(paul.label("Budget")).to_have_value("300")
    paul.check("salary-request-refused")
    ask(cooperative_today() + timedelta(days=1), "100000")  # far more than the activity and the guarantee fund hold
    expect(page.locator("#budget-error")).to_have_text(paul._("The activity's budget does not cover this salary."))
    ask(cooperative_today() + timedelta(days=1), "300")
    expect(page.get_by_role("status")).to_have_text(paul._("Your contract is signed; the payslip follows."))
    expect(page.get_by_text(paul._("No payslip yet."))).to_be_visible()

    # Once the work day is over, the payroll run (the month-end job; started here by an administrator) issues the
    # payslip, and the member finds it in the browser. Payroll alone lives three days ahead meanwhile.
    with platform.payroll_days_ahead(3), httpx.Client(timeout=30) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        # The salary-guarantee job may hold the run at that moment (409 run_in_progress): ask again, as told.
        run = eventually(lambda: api.post("/api/v1/payroll/runs", admin, json={}),
                         lambda r: r.status_code != 409)
        assert run.status_code == 201, run.text
        eventually(lambda: api.get("/api/v1/payslips", member["headers"]), lambda r: len(r.json()["items"]) == 1)
        page.reload()
        slip = page.get_by_role("listitem").filter(has_text=paul._("Download the payslip"))
        expect(slip).to_contain_text("€")
        paul.check("salary-payslip")
        with page.expect_download() as download:
            slip.get_by_role("link", name=paul._("Download the payslip")).click()
        pdf = Path(download.value.path())
        assert pdf.read_bytes().startswith(b"%PDF-") and download.value.suggested_filename.startswith("payslip-")
