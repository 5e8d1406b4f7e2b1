"""Administrators change roles and see batches and e-mail deliveries; a member changes language and exports data."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api

pytestmark = pytest.mark.e2e


def test_an_administrator_makes_a_member_an_advisor(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        member_id, _, member = api.register("Future Advisor")
    admin = visitor_factory("en")
    admin.page.goto(platform.gateway + "/app/login")
    admin.label("E-mail").fill(ADMIN_EMAIL)
    admin.label("Password").fill(ADMIN_PASSWORD)
    admin.button("Log in").click()
    admin.page.locator("#language-switch").select_option("en")
    admin.page.locator("#language-switch ~ button").click()
    admin.link("Members and roles").click()
    admin.expect_path("/app/admin/members")
    admin.check("admin-members")
    admin.page.get_by_label("Role of Future Advisor", exact=True).first.select_option("advisor")
    admin.page.get_by_role("button", name="Change the role of Future Advisor").first.click()
    expect(admin.page.get_by_role("status")).to_have_text("Role changed.")
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin_headers = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert api.get(f"/api/v1/members/{member_id}", admin_headers).json()["role"] == "advisor"
    for link, path, name in [("Payment batches", "/app/admin/payment-batches", "admin-batches"),
                             ("E-mail deliveries", "/app/admin/email-deliveries", "admin-emails")]:
        admin.link(link).click()
        admin.expect_path(path)
        admin.check(name)
    assert member


def test_a_member_changes_language_and_downloads_their_data(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        _, email, _ = Api(client, platform.gateway).register("Profile Person", language="fr")
    visitor = visitor_factory("fr")
    visitor.page.goto(platform.gateway + "/app/login")
    visitor.label("E-mail").fill(email)
    visitor.label("Password").fill(PASSWORD)
    visitor.button("Log in").click()
    visitor.link("Profile").click()
    visitor.check("profile")
    visitor.label("Language").last.select_option("nl")
    visitor.button("Save").click()
    expect(visitor.page.locator("html")).to_have_attribute("lang", "nl")
    visitor.language = "nl"
    expect(visitor.page.get_by_role("status")).to_have_text(visitor._("Your profile is saved."))
    with visitor.page.expect_download() as download_info:
        visitor.link("Download everything held about me").click()
    path = download_info.value.path()
    assert path is not None
    exported = json.loads(Path(path).read_text(encoding="utf-8"))
    assert email in json.dumps(exported)
