"""A member files an expense claim with its receipt (en); their advisor sends it back for a better receipt, then
approves it from the review queue (fr)."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from coop_shared.testing.dates import cooperative_today
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually

pytestmark = pytest.mark.e2e
RECEIPT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_advisor_approves_an_expense_claim(platform: Platform, visitor_factory, tmp_path) -> None:  # type: ignore
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        advisor_id, advisor_email, _ = api.register("Claire Conseil", language="fr")
        assert client.put(api.url(f"/api/v1/admin/members/{advisor_id}/role"), headers=admin,
                          json={"role": "advisor"}).status_code == 200
        member_id, member_email, member = api.register("Sam Spender", language="en")
        assert client.put(api.url(f"/api/v1/admin/members/{member_id}/advisor"), headers=admin,
                          json={"advisor_id": advisor_id}).status_code == 200
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        opened = api.post("/api/v1/activities", member, json={"name": "Studio Sam", "sector": "digital"})
        activity_id = opened.json()["id"]
        client_id = eventually(lambda: api.post("/api/v1/clients", member, json={
            "activity_id": activity_id, "kind": "person", "name": "A Client",
            "address": {"street": "Rue 1", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}),
            lambda r: r.status_code == 201).json()["id"]
        invoice_id = api.post("/api/v1/invoices", member, json={"activity_id": activity_id, "client_id": client_id,
                              "lines": [{"description": "Work", "quantity": "1", "unit_price": "500.00",
                                         "vat_rate": "21"}]}).json()["id"]
        assert api.post(f"/api/v1/invoices/{invoice_id}/issue", member).status_code == 200
        assert api.post("/api/v1/payments", admin, json={"invoice_id": invoice_id, "amount": "605.00",
                                                         "received_on": cooperative_today().isoformat()}
                        ).status_code == 201
        eventually(lambda: api.get(f"/api/v1/ledger/activities/{activity_id}", member),
                   lambda r: r.status_code == 200 and float(r.json()["available_budget"]) > 100)

    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(RECEIPT)
    spender = visitor_factory("en")
    spender.log_in(platform.gateway, member_email)
    spender.page.goto(platform.gateway + "/app/expenses")
    spender.check("expenses")
    deadline = time.monotonic() + 30
    while True:  # invoicing learns the budget from payroll's event: the form keeps what was typed
        spender.label("Activity").select_option(label="Studio Sam")
        spender.label("Date of the expense").fill(cooperative_today().isoformat())
        spender.label("Supplier").fill("Music Store SRL")
        spender.label("Amount incl. VAT").fill("121.00")
        spender.label("VAT amount").fill("21.00")
        spender.label("Receipt").set_input_files(str(receipt))
        spender.button("Submit for review").click()
        spender.page.wait_for_load_state()
        if spender.page.get_by_role("status").count():
            break
        assert time.monotonic() < deadline, spender.page.content()[-1500:]
        time.sleep(1)
    expect(spender.page.get_by_role("status")).to_have_text("Your expense claim is submitted for review.")
    expect(spender.page.get_by_role("cell", name="Submitted for review")).to_be_visible()

    advisor = visitor_factory("fr")
    advisor.log_in(platform.gateway, advisor_email)
    advisor.link("Review queue").click()
    advisor.expect_path("/app/review")
    advisor.check("review")
    advisor.page.get_by_label(advisor._("Message to the member")).fill("Le ticket est illisible : scannez-le.")
    advisor.page.get_by_role("button", name=f"{advisor._('Ask for changes')}: Music Store SRL").click()
    expect(advisor.page.get_by_role("status")).to_have_text(
        advisor._("The expense claim is back with the member, with your message."))
    expect(advisor.page.get_by_test_id("claim-review")).to_have_count(0)

    spender.page.reload()
    claim = spender.page.get_by_test_id("claim")
    expect(claim).to_contain_text("Draft")
    expect(claim).to_contain_text("Le ticket est illisible : scannez-le.")
    spender.check("expense-sent-back")
    spender.label("New receipt").set_input_files(str(receipt))
    spender.page.get_by_role("button", name="Submit again: Music Store SRL").click()
    expect(spender.page.get_by_role("status")).to_have_text("Your expense claim is submitted for review.")
    expect(spender.page.get_by_role("cell", name="Submitted for review")).to_be_visible()

    advisor.page.reload()
    advisor.page.get_by_role("button", name=f"{advisor._('Approve')}: Music Store SRL").click()
    expect(advisor.page.get_by_role("status")).to_have_text(advisor._("Expense claim approved."))

    spender.page.reload()
    expect(spender.page.get_by_role("cell", name="Approved", exact=True)).to_be_visible()
