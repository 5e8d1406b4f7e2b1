"""A member votes in an assembly from the browser (in Dutch): one person, one vote, then sees the results."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api, eventually

pytestmark = pytest.mark.e2e


def test_a_member_votes_once_and_sees_the_results(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        _, email, member = api.register("Lotte Stemmer", language="nl")
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        eventually(lambda: api.get("/api/v1/inbox", member),
                   lambda r: any("share" in item["event_type"] for item in r.json()["items"]))
        time.sleep(1.0)  # governance consumes the same event as notifications
        now = datetime.now(UTC)
        closes = now + timedelta(seconds=40)
        assembly = api.post("/api/v1/assemblies", admin, json={
            "kind": "general", "title": "Algemene vergadering", "opens_at": (now + timedelta(seconds=3)).isoformat(),
            "closes_at": closes.isoformat()})
        assert assembly.status_code == 201, assembly.text
        assembly_id = assembly.json()["id"]
        assert api.post(f"/api/v1/assemblies/{assembly_id}/resolutions", admin, json={
            "text": "De rekeningen goedkeuren.", "majority": "simple", "quorum": "0",
            "ballot": "secret"}).status_code == 201
        assert api.post(f"/api/v1/assemblies/{assembly_id}/convene", admin).status_code == 200
        # The governance service opens the vote at opens_at, with no admin call.
        eventually(lambda: api.get(f"/api/v1/assemblies/{assembly_id}", admin),
                   lambda r: r.json()["state"] == "voting_open")

    voter = visitor_factory("nl")
    page = voter.page
    page.goto(platform.gateway + "/app/login")
    voter.label("E-mail").fill(email)
    voter.label("Password").fill(PASSWORD)
    voter.button("Log in").click()
    voter.expect_path("/app/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # the member's own language
    voter.link("Assemblies").click()
    page.get_by_role("link", name="Algemene vergadering").click()
    voter.expect_path(f"/app/assemblies/{assembly_id}")
    voter.check("assembly")
    page.get_by_label(voter._("For"), exact=True).check()
    voter.button("Vote").click()
    expect(page.get_by_role("status")).to_have_text(voter._("Your vote is recorded."))
    expect(voter.button("Vote")).to_have_count(0)  # one person, one vote: no second ballot offered

    time.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 0.5)
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        eventually(lambda: api.get(f"/api/v1/assemblies/{assembly_id}", admin),
                   lambda r: r.json()["state"] == "results_published")
    page.reload()
    expect(page.get_by_text(re.compile(voter._("Adopted")))).to_be_visible()
    voter.check("assembly-results")
    with page.expect_download() as download_info:
        voter.link("Download the minutes (PDF)").click()
    minutes = Path(download_info.value.path()).read_bytes()
    assert minutes.startswith(b"%PDF-") and download_info.value.suggested_filename.startswith("minutes-")
