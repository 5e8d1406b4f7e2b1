"""A new person, in a browser, from signing up to downloading the PDF of an issued invoice; in en, fr and nl."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from coop_shared.testing.dates import cooperative_today
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform

PASSWORD = "a long enough passphrase 123"
Visitor = Any  # the conftest's Visitor: one person in one browser context


def unique_email(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}-{uuid.uuid4().hex[:8]}@example.be"

pytestmark = pytest.mark.e2e
BRUSSELS = ZoneInfo("Europe/Brussels")


def sign_up(visitor: Visitor, gateway: str, name: str) -> str:
    page = visitor.page
    page.goto(gateway + "/app/")
    visitor.expect_path("/app/login")  # logged out: the dashboard sends people to the login page
    visitor.check("login")
    visitor.link("Create an account").click()
    visitor.expect_path("/app/signup")
    visitor.check("signup")
    email = unique_email(name)
    visitor.label("Full name").fill(name)
    visitor.label("E-mail").fill(email)
    visitor.label("Password").fill(PASSWORD)
    visitor.label("Street").fill("Rue Haute 1")
    visitor.label("Postal code").fill("1000")
    visitor.label("City").fill("Bruxelles")
    visitor.label("Country").fill("BE")
    visitor.label("IBAN").fill("BE71096123456769")
    visitor.button("Create account").click()
    visitor.expect_path("/app/")
    expect(visitor.button("Log out")).to_be_visible()
    visitor.check("dashboard")
    return email


def log_in(visitor: Visitor, gateway: str, email: str, password: str) -> None:
    visitor.page.goto(gateway + "/app/login")
    visitor.label("E-mail").fill(email)
    visitor.label("Password").fill(password)
    visitor.button("Log in").click()
    visitor.expect_path("/app/")
    if visitor.page.locator("html").get_attribute("lang") != visitor.language:
        # The member's own language comes first; the switch in the header changes it.
        visitor.page.locator("#language-switch").select_option(visitor.language)
        visitor.page.locator("#language-switch ~ button").click()
        expect(visitor.page.locator("html")).to_have_attribute("lang", visitor.language)


def submit_until(visitor: Visitor, button: str, leaves: str, timeout: float = 30.0) -> None:
    """Some answers wait for an event to travel between services: the form keeps what was typed, so resubmit."""
    deadline = time.monotonic() + timeout
    while True:
        visitor.button(button).click()
        visitor.page.wait_for_load_state()
        if not re.search(leaves, visitor.page.url):
            return
        assert time.monotonic() < deadline, visitor.page.content()[-2000:]
        time.sleep(0.5)


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_sign_up_subscribe_open_activity_invoice_and_download_pdf(platform: Platform, visitor_factory,
                                                                 language: str) -> None:
    gateway = platform.gateway
    member = visitor_factory(language)
    name = {"en": "Ada Lovelace", "fr": "Camille Martin", "nl": "Lotte Peeters"}[language]
    email = sign_up(member, gateway, name)
    assert member.page.locator("html").get_attribute("lang") == language

    # A share, paid (an administrator confirms it in their own browser).
    member.page.goto(gateway + "/app/shares")
    member.label("Number of shares").fill("1")
    member.button("Subscribe").click()
    expect(member.page.get_by_text(member._("Awaiting payment"))).to_be_visible()
    member.check("shares")
    admin = visitor_factory("en")
    log_in(admin, gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.page.goto(gateway + "/app/admin/shares")
    row = admin.page.get_by_role("row").filter(has_text=email)
    row.get_by_role("button", name="Confirm payment").click()
    expect(admin.page.get_by_role("row").filter(has_text=email)).to_contain_text("Paid")
    admin.check("admin-shares")

    # An activity, a client, an invoice with two lines added in place (htmx).
    member.page.goto(gateway + "/app/activities/new")
    member.check("activity-new")
    member.label("Name of the activity").fill("Atelier " + language)
    member.label("Sector").select_option("arts_and_culture")
    member.button("Open the activity").click()
    member.expect_path(r"/app/activities/[\w-]+")
    activity_url = member.page.url
    member.check("activity")
    member.link("Add a client").click()
    member.label("Name").fill("Théâtre de la Lune SRL")
    member.label("E-mail").fill("compta@theatre-lune.example")
    member.label("VAT number").fill("BE0765432146")
    member.label("Street").fill("Avenue des Arts 7")
    member.label("Postal code").fill("4000")
    member.label("City").fill("Liège")
    member.check("client-new")
    submit_until(member, "Save the client", r"/app/clients/new")  # invoicing learns of the activity by event
    assert member.page.url == activity_url

    member.link("New invoice").first.click()
    member.expect_path("/app/invoices/new")
    member.label("Client").select_option(label="Théâtre de la Lune SRL")
    member.label("Description").fill("Stage design")
    member.label("Quantity").fill("1")
    member.label("Unit price").fill("100,00" if language != "en" else "100.00")
    member.label("VAT rate").select_option("21")
    member.button("Add line").click()
    expect(member.label("Description")).to_have_count(2)
    assert member.label("Description").first.input_value() == "Stage design"  # nothing typed is lost
    member.label("Description").nth(1).fill("Rehearsal days")
    member.label("Quantity").nth(1).fill("2")
    member.label("Unit price").nth(1).fill("50")
    member.label("VAT rate").nth(1).select_option("6")
    member.check("invoice-new")
    member.button("Save draft").click()
    member.expect_path(r"/app/invoices/[\w-]+")
    invoice_id = member.page.url.rsplit("/", 1)[-1]
    member.check("invoice-draft")
    member.button("Issue").click()
    number = member.page.get_by_text(re.compile(r"^2026-\d{6}$"))
    expect(number).to_be_visible()
    total = member.page.locator("tfoot tr").last
    expect(total).to_contain_text("227")  # 100 + 21 % and 100 + 6 %
    member.check("invoice-issued")
    with member.page.expect_download() as download_info:
        member.link("Download PDF").click()
    path = download_info.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    with member.page.expect_download() as download_info:
        member.link("Download UBL").click()
    ubl = download_info.value.path()
    assert ubl is not None and b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in Path(ubl).read_bytes()

    # The client pays (recorded through the API); payroll books it from invoicing's event.
    with httpx.Client(base_url=gateway, timeout=15) as api:
        token = api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()
        paid = api.post("/api/v1/payments", headers={"Authorization": f"Bearer {token['access_token']}"},
                        json={"invoice_id": invoice_id, "amount": "227.00", "received_on": "2026-12-01"})
        assert paid.status_code == 201, paid.text

    # Where every euro went: the table adds up to the cent, and the chart is drawn by the server.
    deadline = time.monotonic() + 30
    while True:
        member.page.goto(activity_url + "/transparency")
        total_in = member.page.locator("[data-total=in]").get_attribute("data-amount")
        if Decimal(total_in or "0") == Decimal("227.00") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    member.check("transparency")
    uses = member.page.locator("tr[data-use]")
    amounts = {uses.nth(i).get_attribute("data-use"): Decimal(uses.nth(i).get_attribute("data-amount") or "0")
               for i in range(uses.count())}
    assert sum(amounts.values()) == Decimal("227.00")
    assert amounts["vat"] == Decimal("27.00") and amounts["available"] > 0
    expect(member.page.locator("svg.chart rect")).to_have_count(uses.count())
    # The same, for the calendar year the money moved in; a year with no movement is no page.
    member.page.get_by_role("link", name=str(datetime.now(BRUSSELS).year), exact=True).click()
    member.expect_path(r"/app/activities/[\w-]+/transparency\?year=\d{4}")
    for side in ("in", "out"):
        total = member.page.locator(f"[data-total={side}]").get_attribute("data-amount")
        assert Decimal(total or "0") == Decimal("227")
    member.check("transparency-year")
    assert member.page.goto(activity_url + "/transparency?year=1999").status == 404

    # The simulator: an employment budget down to the net pay.
    member.page.goto(gateway + "/app/salary/simulate")
    member.label("Budget").fill("1350")
    member.button("Simulate").click()
    net = member.page.locator("#net")
    expect(net).to_contain_text("€")
    member.check("simulate")
    # Or from the gross a contract names; not both at once (what was typed stays).
    member.label("Gross").fill("1000")
    member.button("Simulate").click()
    expect(member.page.locator("#gross-error")).to_have_text(member._("Enter a budget or a gross salary, not both."))
    expect(member.label("Budget")).to_have_value("1350")
    member.label("Budget").fill("")
    member.button("Simulate").click()
    gross_row = member.page.get_by_role("row", name=re.compile("^" + re.escape(member._("Gross")) + " "))
    expect(gross_row).to_contain_text(re.compile(r"1\D?000,00"))
    budget_row = member.page.get_by_role("row", name=re.compile("^" + re.escape(member._("Employment budget"))))
    expect(budget_row).to_contain_text(re.compile(r"1\D?350,00"))  # 1,000.00 gross x the employer cost factor 1.35

    # A salary for tomorrow's work, paid from the budget the client's payment brought in.
    member.page.goto(gateway + "/app/salary/requests")
    member.label("Activity").select_option(label="Atelier " + language)
    member.label("First work day").fill((cooperative_today() + timedelta(days=1)).isoformat())
    member.label("Consecutive work days").fill("1")
    member.label("Budget").fill("150")
    member.button("Request the salary").click()
    member.expect_path("/app/salary/requests")
    expect(member.page.get_by_role("status")).to_have_text(member._("Your contract is signed; the payslip follows."))
    expect(member.page.locator("table tbody tr")).to_have_count(1)
    member.check("salary-requests")

    # The inbox: its unread count in the header of every page, gone once read.
    badge = member.page.locator("header .badge")
    expect(badge).to_be_visible()
    member.page.get_by_role("link", name=re.compile("^" + member._("Inbox"))).click()
    member.expect_path("/app/inbox")
    member.check("inbox")
    member.button("Mark all read").click()
    expect(member.page.locator("header .badge")).to_have_count(0)

    # Log out ends the session on the server: the old cookie opens nothing any more.
    (cookie,) = [c for c in member.context.cookies() if c["name"] == "coop_portal"]
    member.button("Log out").click()
    member.expect_path("/app/login")
    with httpx.Client(base_url=gateway, cookies={"coop_portal": cookie["value"]}) as client:
        answer = client.get("/app/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/login"
