"""An issued invoice sent to its client (who has no e-mail address: shown as not delivered), then
cancelled with a credit note; notification preferences saved."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api, eventually

pytestmark = pytest.mark.e2e


def test_an_invoice_is_sent_then_credited_and_preferences_are_kept(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        _, email, member = api.register("Ines Credit", language="nl")
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        opened = api.post("/api/v1/activities", member, json={"name": "Atelier Ines", "sector": "crafts"})
        activity_id = opened.json()["id"]
        client_id = eventually(lambda: api.post("/api/v1/clients", member, json={
            "activity_id": activity_id, "kind": "person", "name": "Klant Janssens",
            "address": {"street": "Markt 1", "postal_code": "2000", "city": "Antwerpen", "country": "BE"}}),
            lambda r: r.status_code == 201).json()["id"]
        invoice_id = api.post("/api/v1/invoices", member, json={"activity_id": activity_id, "client_id": client_id,
                              "lines": [{"description": "Vaas", "quantity": "1", "unit_price": "80.00",
                                         "vat_rate": "21"}]}).json()["id"]
        assert api.post(f"/api/v1/invoices/{invoice_id}/issue", member).status_code == 200

    visitor = visitor_factory("nl")
    page = visitor.page
    page.goto(platform.gateway + "/app/login")
    visitor.label("E-mail").fill(email)
    visitor.label("Password").fill(PASSWORD)
    visitor.button("Log in").click()
    page.goto(platform.gateway + f"/app/invoices/{invoice_id}")
    # A private client without an e-mail address: no UBL to download, and the sending is shown as not delivered.
    expect(page.get_by_role("button", name=visitor._("Download UBL"))).to_have_count(0)
    visitor.button("Send to the client").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Sending to the client."))
    expect(page.locator("main")).to_contain_text(visitor._("Sent"))
    sendings = page.get_by_test_id("sendings")
    for _ in range(40):
        if visitor._("Not delivered") in sendings.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(sendings).to_contain_text(visitor._("no e-mail address"))
    expect(sendings).to_contain_text(visitor._("Not delivered"))

    # The member adds the client's e-mail address (a wrong one first) and sends again: this time it is delivered.
    page.goto(platform.gateway + "/app/clients")
    page.get_by_role("link", name=visitor._("Change %(name)s") % {"name": "Klant Janssens"}).click()
    visitor.expect_path(f"/app/clients/{client_id}")
    expect(visitor.label("Street")).to_have_value("Markt 1")  # what is recorded, ready to change
    visitor.label("E-mail").fill("janssens-at-example.be")
    visitor.button("Save the client").click()
    expect(page.locator("#email-error")).to_be_visible()
    expect(visitor.label("E-mail")).to_have_value("janssens-at-example.be")  # kept as typed
    visitor.check("client-edit")
    visitor.label("E-mail").fill("janssens@example.be")
    visitor.button("Save the client").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Client saved."))
    expect(page.locator("main")).to_contain_text("janssens@example.be")
    page.goto(platform.gateway + f"/app/invoices/{invoice_id}")
    visitor.button("Send to the client").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Sending to the client."))
    delivered = page.get_by_test_id("sendings").get_by_role("row").filter(has_text="janssens@example.be")
    for _ in range(40):
        if visitor._("Sent") in delivered.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(delivered).to_contain_text(visitor._("Sent"))
    with httpx.Client(timeout=15) as client:
        unchanged = Api(client, platform.gateway).get(f"/api/v1/clients/{client_id}", member).json()
    assert (unchanged["name"], unchanged["address"]["city"]) == ("Klant Janssens", "Antwerpen")
    page.get_by_text(visitor._("Cancel with a credit note")).click()
    visitor.button("Issue the credit note").click()  # no reason: refused next to the field
    expect(page.locator("#reason-error")).to_have_text(visitor._("Say why the invoice is cancelled."))
    visitor.label("Reason").fill("Verkeerde klant")
    visitor.button("Issue the credit note").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Credit note issued."))
    expect(page.locator("h1")).to_contain_text(visitor._("Credit note"))
    expect(page.get_by_text(re.compile(r"^CN-2026-\d{6}$"))).to_be_visible()  # credit notes are numbered apart
    assert not page.url.endswith(invoice_id)
    visitor.check("credit-note")

    page.goto(platform.gateway + "/app/preferences")
    visitor.check("preferences")
    first_email = page.locator("input[type=checkbox][name^=email-]").first
    event_type = (first_email.get_attribute("name") or "").removeprefix("email-")
    first_email.uncheck()
    visitor.button("Save").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Your choices are saved."))
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        saved = api.get("/api/v1/preferences", api.login(email)).json()["preferences"]
    (choice,) = [p for p in saved if p["event_type"] == event_type]
    assert choice["email"] is False and choice["inbox"] is True
