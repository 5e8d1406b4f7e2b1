"""A member who uses no mouse logs in, drafts an invoice and issues it with the keyboard alone, and can see at every
step where the focus is."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import PASSWORD, Api

pytestmark = pytest.mark.e2e

# What the focused element looks like: its accessible name (roughly) and whether a focus ring is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim(), label: label.trim(),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_to(visitor: Any, name: str, limit: int = 80) -> dict[str, object]:
    """Presses Tab until the element named ``name`` (its label or its text) has the focus, which must be visible."""
    for _ in range(limit):
        visitor.page.keyboard.press("Tab")
        focused: dict[str, object] = visitor.page.evaluate(FOCUSED)
        if name in (focused["label"], focused["text"]):
            assert focused["ring"], f"no visible focus on {focused}"
            return focused
    raise AssertionError(f"{name!r} is not reached with Tab on {visitor.page.url}")


def test_a_member_drafts_and_issues_an_invoice_with_the_keyboard_only(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        ready = api.member_with_client(admin, "Kim Toetsenbord", "Clavier")
    member = visitor_factory("en")
    page = member.page
    page.goto(platform.gateway + "/app/login")

    tab_to(member, "Skip to content")  # the first stop on every page
    tab_to(member, "E-mail")
    page.keyboard.type(ready["email"])
    tab_to(member, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    member.expect_path("/app/")

    tab_to(member, "Invoices")
    page.keyboard.press("Enter")
    member.expect_path("/app/invoices")
    tab_to(member, "New invoice")
    page.keyboard.press("Enter")
    member.expect_path("/app/invoices/new")

    tab_to(member, "Activity")
    page.keyboard.press("ArrowDown")  # a closed select takes arrows: the first real choice after "—"
    tab_to(member, "Client")
    page.keyboard.press("ArrowDown")
    tab_to(member, "Description")
    page.keyboard.type("Keyboard workshop")
    tab_to(member, "Quantity")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    tab_to(member, "Unit price")
    page.keyboard.type("80")
    tab_to(member, "Save draft")
    page.keyboard.press("Space")  # buttons answer Space as well as Enter
    member.expect_path(r"/app/invoices/[\w-]+")
    expect(page.get_by_text("Keyboard workshop")).to_be_visible()

    tab_to(member, "Issue")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^2026-\d{6}$"))).to_be_visible()
    tab_to(member, "Download PDF")  # a link, not a link dressed as a button: Enter follows it
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
