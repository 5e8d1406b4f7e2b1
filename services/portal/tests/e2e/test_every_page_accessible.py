"""Every page a person can reach by following links passes axe (no serious or critical violation) and the CSP:
an administrator's and a member's portal crawled from the dashboard, two links deep, in Dutch."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api

pytestmark = pytest.mark.e2e

# Files, not pages; and pages reached only by a form post.
NOT_PAGES = re.compile(r"/(pdf|ubl|export|minutes|pain001|receipt|attachments?/[^/]+)$|/logout$")


def crawl(visitor: Any, gateway: str, depth: int = 2) -> list[str]:
    """Visits every /app/ page linked from the dashboard, breadth first, and checks each once."""
    seen: set[str] = set()
    frontier = ["/app/"]
    for _ in range(depth + 1):
        following: list[str] = []
        for path in frontier:
            if path in seen:
                continue
            seen.add(path)
            answer = visitor.page.goto(gateway + path)
            assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
            visitor.check("crawl" + re.sub(r"[^a-z0-9]+", "-", path.lower()).rstrip("-"))
            hrefs = visitor.page.eval_on_selector_all("a[href]:not([download])",
                                                      "links => links.map(a => a.getAttribute('href'))")
            for href in hrefs:
                target = urlsplit(href)
                if target.netloc or not target.path.startswith("/app/") or NOT_PAGES.search(target.path):
                    continue
                following.append(target.path + (f"?{target.query}" if target.query else ""))
        frontier = following
    return sorted(seen)


def test_every_page_of_an_administrator_and_a_member_passes_axe(platform: Platform, visitor_factory: Any) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        member = api.member_with_client(admin, "Noor Toegankelijk", "Atelier Noor")
        invoice = api.post("/api/v1/invoices", member["headers"], json={
            "activity_id": member["activity_id"], "client_id": member["client_id"],
            "lines": [{"description": "Workshop", "quantity": "1", "unit_price": "200.00", "vat_rate": "21"}]})
        assert invoice.status_code == 201, invoice.text

    administrator = visitor_factory("nl")
    administrator.log_in(platform.gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_pages = crawl(administrator, platform.gateway)
    assert {"/app/admin/jobs", "/app/admin/members", "/app/admin/email-deliveries"} <= set(admin_pages), admin_pages

    visitor = visitor_factory("nl")
    visitor.log_in(platform.gateway, member["email"])
    member_pages = crawl(visitor, platform.gateway)
    assert f"/app/activities/{member['activity_id']}/transparency" in member_pages, member_pages
    assert f"/app/invoices/{invoice.json()['id']}" in member_pages, member_pages
    assert not any(p.startswith("/app/admin/") for p in member_pages)  # no link to what a member may not open
