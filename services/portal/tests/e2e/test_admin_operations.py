"""An administrator sees the scheduled jobs of every service, filters e-mail deliveries and sends a parked one
again (nl)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually

pytestmark = pytest.mark.e2e


def _parked_invoice_email(api: Api, admin: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """An invoice sent to a client without an e-mail address: its delivery is parked at once."""
    member = api.member_with_client(admin, "Paula Parked", "Atelier Paula")
    draft = api.post("/api/v1/invoices", member["headers"], json={
        "activity_id": member["activity_id"], "client_id": member["client_id"],
        "lines": [{"description": "Poster", "quantity": "1", "unit_price": "80.00", "vat_rate": "21"}]}).json()
    number = api.post(f"/api/v1/invoices/{draft['id']}/issue", member["headers"]).json()["number"]
    assert api.post(f"/api/v1/invoices/{draft['id']}/send", member["headers"]).status_code == 200
    parked = eventually(lambda: api.get("/api/v1/admin/email-deliveries", admin, params={"status": "failed"}),
                        lambda r: any(number in d["subject"] for d in r.json()["items"]))
    (delivery,) = [d for d in parked.json()["items"] if number in d["subject"]]
    return number, delivery


def test_an_administrator_sees_the_jobs_and_sends_a_parked_email_again(  # type: ignore[no-untyped-def]
        platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        number, delivery = _parked_invoice_email(api, admin)
    assert delivery["last_error"] == "no known e-mail address for this recipient"

    boss = visitor_factory("nl")
    boss.log_in(platform.gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    boss.page.locator("#language-switch").select_option("nl")
    boss.page.locator("#language-switch ~ button").click()
    expect(boss.page.locator("html")).to_have_attribute("lang", "nl")

    boss.link("Scheduled jobs").click()
    boss.expect_path("/app/admin/jobs")
    jobs = boss.page.get_by_test_id("jobs")
    voting = jobs.get_by_role("row").filter(has_text="voting-deadlines")
    expect(voting).to_contain_text("governance")
    expect(voting).to_contain_text(boss._("Succeeded"))  # it runs every few seconds from the start
    services = {row.split()[0] for row in jobs.locator("tbody tr").all_inner_texts()}
    assert {"governance", "invoicing", "payroll"} <= services, services
    expect(boss.page.get_by_role("alert")).to_have_count(0)  # every service answered
    boss.check("admin-jobs")

    boss.link("E-mail deliveries").click()
    boss.label("Show").select_option(label=boss._("Sent"))
    boss.button("Filter").click()
    boss.expect_path(r"/app/admin/email-deliveries\?status=sent")
    states = boss.page.get_by_test_id("deliveries").locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert states and set(states) == {boss._("Sent")}, states
    boss.label("Show").select_option(label=boss._("Parked after failures"))
    boss.button("Filter").click()
    row = boss.page.get_by_test_id("deliveries").get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("no known e-mail address")
    boss.check("admin-emails-parked")
    row.get_by_role("button", name=re.compile(re.escape(boss._("Send again")))).click()
    expect(boss.page.get_by_role("status")).to_have_text(boss._("The e-mail is queued again."))

    with httpx.Client(timeout=15) as client:  # a fresh set of attempts: it was tried again (and parked again)
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        def retried(response: httpx.Response) -> bool:
            found = [d for d in response.json()["items"] if d["id"] == delivery["id"]]
            return bool(found) and found[0]["status"] == "failed" and found[0]["failed_at"] > delivery["failed_at"]

        eventually(lambda: api.get("/api/v1/admin/email-deliveries", admin, params={"limit": 100}), retried)


def test_an_administrator_gives_a_partner_a_key_then_revokes_it(  # type: ignore[no-untyped-def]
        platform: Platform, visitor_factory) -> None:
    boss = visitor_factory("en")
    page = boss.page
    boss.log_in(platform.gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.locator("#language-switch").select_option("en")
    page.locator("#language-switch ~ button").click()
    boss.link("Partner API keys").click()
    boss.expect_path("/app/admin/partner-keys")
    boss.label("Name of the key").fill("Accounting sync")
    boss.button("Create the key").click()  # no scope chosen: refused, the name kept
    expect(page.locator("#scopes-error")).to_have_text("Choose at least one scope.")
    expect(boss.label("Name of the key")).to_have_value("Accounting sync")
    page.get_by_role("checkbox", name=re.compile(r"^invoices:read ")).check()
    boss.button("Create the key").click()
    secret = page.get_by_test_id("secret").inner_text()
    assert re.fullmatch(r"coop_[0-9a-f]{8}_[\w-]+", secret), secret
    boss.check("admin-partner-keys")

    with httpx.Client(timeout=15) as client:
        within = client.get(f"{platform.gateway}/api/v1/invoices", headers={"X-API-Key": secret})
        outside = client.get(f"{platform.gateway}/api/v1/payslips", headers={"X-API-Key": secret})
    assert within.status_code == 200, within.text
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "insufficient_scope"

    page.goto(platform.gateway + "/app/admin/partner-keys")
    expect(page.get_by_test_id("new-key")).to_have_count(0)  # shown once
    assert secret not in page.content()
    row = page.get_by_test_id("keys").get_by_role("row").filter(has_text=secret[:13])
    expect(row).to_contain_text("invoices:read")
    row.get_by_role("button", name="Revoke: Accounting sync").click()
    expect(page.get_by_role("status")).to_have_text("Key revoked: it opens nothing any more.")
    expect(page.get_by_test_id("keys").get_by_role("row").filter(has_text=secret[:13])).to_contain_text("Revoked on")
    with httpx.Client(timeout=15) as client:
        revoked = client.get(f"{platform.gateway}/api/v1/invoices", headers={"X-API-Key": secret})
    assert revoked.status_code == 401

    # A key that writes is bound to named activities: asked for next to the field, then shown in the list.
    boss.label("Name of the key").fill("Shop")
    page.get_by_role("checkbox", name=re.compile(r"^invoices:write ")).check()
    boss.button("Create the key").click()
    expect(page.locator("#activity_ids-error")).to_have_text(
        "A key that writes is bound to at least one activity: name it here.")
    boss.label("Only for these activities").fill("a-shop, a-stand\na-shop")
    boss.button("Create the key").click()
    shop_secret = page.get_by_test_id("secret").inner_text()
    row = page.get_by_test_id("keys").get_by_role("row").filter(has_text=shop_secret[:13])
    expect(row).to_contain_text("a-shop, a-stand")
