"""An administrator creates an assembly in the browser, adds a resolution and convenes it; the platform opens and
closes the vote at the times the administrator set, and the page shows it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually

pytestmark = pytest.mark.e2e
BRUSSELS = ZoneInfo("Europe/Brussels")


def test_an_administrator_runs_an_assembly(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:  # an electorate of one paid-up member
        api = Api(client, platform.gateway)
        headers = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        _, _, member = api.register("Elector One")
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", headers).status_code == 201
        eventually(lambda: api.get("/api/v1/inbox", member),
                   lambda r: any("share" in item["event_type"] for item in r.json()["items"]))
        time.sleep(1.0)  # governance consumes the same event as notifications
    admin = visitor_factory("en")
    page = admin.page
    page.goto(platform.gateway + "/app/login")
    admin.label("E-mail").fill(ADMIN_EMAIL)
    admin.label("Password").fill(ADMIN_PASSWORD)
    admin.button("Log in").click()
    page.locator("#language-switch").select_option("en")
    page.locator("#language-switch ~ button").click()
    admin.link("Assemblies").click()
    admin.link("New assembly").click()
    admin.check("assembly-new")
    now = datetime.now(BRUSSELS).replace(microsecond=0)
    opens, closes = now + timedelta(seconds=20), now + timedelta(seconds=35)
    admin.label("Title").fill("Extraordinary assembly")
    admin.label("Voting opens").fill(opens.strftime("%Y-%m-%dT%H:%M:%S"))
    admin.label("Voting closes").fill(closes.strftime("%Y-%m-%dT%H:%M:%S"))
    admin.button("Create the assembly").click()
    expect(page.get_by_role("status")).to_have_text("Assembly created.")
    admin.label("Resolution text").fill("Change the statutes.")
    admin.label("Majority").select_option("two_thirds")
    admin.button("Add the resolution").click()
    expect(page.get_by_role("status")).to_have_text("Resolution added.")
    expect(page.get_by_text("Change the statutes.")).to_be_visible()
    admin.button("Convene").click()
    expect(page.locator("main")).to_contain_text("Convened")
    admin.check("assembly-admin")
    # No button to press: the governance service opens and closes the vote itself.
    _reload_until(page, "Voting is open", until=opens + timedelta(seconds=6))
    _reload_until(page, "Not adopted", until=closes + timedelta(seconds=6))  # nobody voted


def _reload_until(page: Page, text: str, until: datetime) -> None:
    while text not in page.locator("main").inner_text():
        assert datetime.now(BRUSSELS) < until, f"the page does not show {text!r} in time"
        time.sleep(0.5)
        page.reload()
