"""A quote drafted in the browser, sent, and the client's answer shown; a member erases their personal data."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api, eventually

pytestmark = pytest.mark.e2e


def test_a_quote_is_sent_and_the_clients_acceptance_is_shown(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        _, email, member = api.register("Quentin Devis", language="fr")
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        opened = api.post("/api/v1/activities", member, json={"name": "Atelier Devis", "sector": "events"})
        activity_id = opened.json()["id"]
        eventually(lambda: api.post("/api/v1/clients", member, json={
            "activity_id": activity_id, "kind": "person", "name": "Client Devis",
            "address": {"street": "Rue 2", "postal_code": "5000", "city": "Namur", "country": "BE"}}),
            lambda r: r.status_code == 201)

    visitor = visitor_factory("fr")
    visitor.log_in(platform.gateway, email)
    page = visitor.page
    visitor.link("Quotes").click()
    visitor.link("New quote").click()
    visitor.label("Activity").select_option(label="Atelier Devis")
    visitor.label("Client").select_option(label="Client Devis")
    visitor.label("Description").fill("Animation")
    visitor.label("Quantity").fill("3")
    visitor.label("Unit price").fill("120,50")
    visitor.check("quote-new")
    visitor.button("Save the quote").click()
    expect(page.get_by_role("status")).to_have_text(visitor._("Quote saved."))
    visitor.button("Send to the client").click()
    link = page.locator("#client-link").inner_text()
    assert link.startswith("/")
    visitor.check("quote-sent")

    with httpx.Client(timeout=15) as client:  # the client answers through their link, without an account
        # The page answers a form post with 303 to itself (post/redirect/get).
        accepted = client.post(platform.gateway + link.rstrip("/") + "/accept", follow_redirects=True)
        assert accepted.status_code == 200, accepted.text
    page.reload()
    expect(page.locator("#quote-status")).to_have_text(visitor._("Accepted by the client"))
    expect(page.locator("#quote-answer")).to_contain_text(visitor._("Answered on"))


def test_a_member_erases_their_personal_data(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        _, email, _ = Api(client, platform.gateway).register("Erase Me", language="en")
    visitor = visitor_factory("en")
    visitor.log_in(platform.gateway, email)
    visitor.link("Profile").click()
    visitor.page.get_by_text("Erase my personal data").click()
    visitor.page.locator("details").get_by_label("Password").fill("not my password at all")
    visitor.button("Erase my data").click()
    expect(visitor.page.locator("#password-error")).to_be_visible()
    visitor.page.locator("details").get_by_label("Password").fill(PASSWORD)
    visitor.button("Erase my data").click()
    visitor.expect_path("/app/login")
    expect(visitor.page.get_by_role("status")).to_have_text("Your personal data has been erased.")
    with httpx.Client(timeout=15) as client:
        refused = client.post(platform.gateway + "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert refused.status_code == 401
