"""The client's pages over real HTTP, in a real browser (Debian's Chromium
driven by Playwright), and the documents behind them: stored once, the same
bytes everywhere, a sending per request with its outcome fed back."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from coop_shared.auth.service_tokens import issue_service_token
from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import DocumentSendRequested
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.testing.dates import cooperative_today
from coop_shared.testing.events import EventTap
from coop_shared.testing.fixtures import serving, trust_test_key
from coop_shared.testing.servers import free_port
from invoicing.config import InvoicingSettings
from invoicing.main import create_app

from .conftest import BE_COMPANY, INVOICING_EVENTS, PERSON, Platform, line

COMPANY_NL = {**BE_COMPANY, "language": "nl"}

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
async def served(settings_for: Callable[..., Any], signing_key: Any,
                 token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Platform]:
    """The service on a real port (the browser needs one), with an event tap."""
    settings: InvoicingSettings = settings_for(InvoicingSettings, reminder_job_enabled=False)
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    topology = Topology(settings.exchange_name, settings.dead_letter_exchange_name, "invoicing-pages-tap", 3,
                        prefix=settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topology, INVOICING_EVENTS)
    app = trust_test_key(create_app(settings), signing_key)
    try:
        async with serving(app, free_port()) as url, httpx.AsyncClient(base_url=url) as http:
            yield Platform(app=app, http=http, tap=EventTap(queue), token_for=token_for)
    finally:
        await connection.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            yield chromium
        finally:
            await chromium.close()


async def _sent_quote(platform: Platform, headers: dict[str, str], activity: str, client_id: str,
                      price: str) -> tuple[dict[str, Any], str]:
    created = await platform.http.post("/api/v1/quotes", headers=headers, json={
        "activity_id": activity, "client_id": client_id,
        "valid_until": (cooperative_today() + timedelta(days=20)).isoformat(),
        "lines": [line("Création sonore", "1", "C62", price, "21")]})
    assert created.status_code == 201, created.text
    sent = await platform.http.post(f"/api/v1/quotes/{created.json()['id']}/send", headers=headers)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["client_link_path"] == f"/client/quotes/{body['client_link_token']}"
    return created.json(), body["client_link_token"]


async def test_the_client_accepts_a_quote_in_a_browser(served: Platform, browser: Browser) -> None:
    _, activity, headers = await served.member_with_activity()
    client = await served.client(headers, activity, PERSON, language="fr")
    quote, token = await _sent_quote(served, headers, activity, client["id"], "1000.00")
    other, other_token = await _sent_quote(served, headers, activity, client["id"], "2000.00")
    base = str(served.http.base_url).rstrip("/")
    page = await browser.new_page()

    response = await page.goto(f"{base}/client/quotes/{token}")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert await page.get_by_test_id("total").inner_text() == "1.210,00 €"
    assert await page.get_by_test_id("status").inner_text() == "En attente de votre réponse"
    # The language switch: the same page in Dutch, then English.
    await page.get_by_role("link", name="Nederlands").click()
    assert await page.get_by_test_id("status").inner_text() == "Wacht op uw antwoord"
    await page.get_by_role("link", name="English").click()
    assert await page.get_by_role("button", name="Accept the quote").is_visible()
    # The style sheet came from the service itself (no CDN) and applied under the CSP.
    colour = await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert colour == "rgb(29, 78, 216)"

    await page.get_by_role("button", name="Accept the quote").click()
    await page.wait_for_url(f"**/client/quotes/{token}?lang=en&answered=true")
    assert await page.get_by_test_id("status").inner_text() == "Accepted — thank you!"
    assert await page.get_by_role("button", name="Accept the quote").count() == 0
    accepted = (await served.http.get(f"/api/v1/quotes/{quote['id']}", headers=headers)).json()
    assert accepted["status"] == "accepted"

    # Another quote's token opens that quote only; this one's answer did not touch it.
    await page.goto(f"{base}/client/quotes/{other_token}")
    assert await page.get_by_test_id("total").inner_text() == "2.420,00 €"
    assert await page.get_by_test_id("status").inner_text() == "En attente de votre réponse"
    untouched = (await served.http.get(f"/api/v1/quotes/{other['id']}", headers=headers)).json()
    assert untouched["status"] == "sent"
    # A token that opens nothing: a clear page, 404.
    unknown = await page.goto(f"{base}/client/quotes/{uuid.uuid4().hex}{uuid.uuid4().hex}")
    assert unknown is not None and unknown.status == 404
    assert await page.get_by_test_id("message-title").inner_text() == "Lien inconnu"

    # The quote's PDF downloads from the page.
    pdf = await served.http.get(f"/client/quotes/{other_token}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # Past its expiry the link shows a clear page with 410, not an error.
    served.ctx.clock = DayClock(cooperative_today() + timedelta(days=20 + 31 + 2))
    expired = await page.goto(f"{base}/client/quotes/{other_token}")
    assert expired is not None and expired.status == 410
    assert await page.get_by_test_id("message-title").inner_text() == "Ce lien a expiré"
    assert await page.locator("form").count() == 0
    await page.close()


async def test_the_client_asks_for_changes_or_rejects_a_quote_in_a_browser(served: Platform,
                                                                        browser: Browser) -> None:
    _, activity, headers = await served.member_with_activity()
    client = await served.client(headers, activity, PERSON, language="nl")
    to_change, change_token = await _sent_quote(served, headers, activity, client["id"], "1000.00")
    to_reject, reject_token = await _sent_quote(served, headers, activity, client["id"], "3000.00")
    base = str(served.http.base_url).rstrip("/")
    page = await browser.new_page()

    await page.goto(f"{base}/client/quotes/{change_token}")
    await page.get_by_label("Uw opmerking").fill("Kan het in twee dagen?")
    await page.get_by_role("button", name="Wijzigingen vragen").click()
    await page.wait_for_url(f"**/client/quotes/{change_token}?lang=nl&answered=true")
    assert await page.get_by_test_id("status").inner_text() == "Wijzigingen gevraagd"
    assert await page.locator("form").count() == 0
    changed = (await served.http.get(f"/api/v1/quotes/{to_change['id']}", headers=headers)).json()
    assert (changed["status"], changed["client_comment"]) == ("changes_requested", "Kan het in twee dagen?")

    # An empty comment is not sent: the browser keeps the client on the form.
    await page.goto(f"{base}/client/quotes/{reject_token}")
    await page.get_by_role("button", name="Wijzigingen vragen").click()
    assert await page.get_by_test_id("status").inner_text() == "Wacht op uw antwoord"
    await page.get_by_label("Reden (optioneel)").fill("Te duur")
    await page.get_by_role("button", name="Offerte weigeren").click()
    await page.wait_for_url(f"**/client/quotes/{reject_token}?lang=nl&answered=true")
    assert await page.get_by_test_id("status").inner_text() == "Geweigerd"
    rejected = (await served.http.get(f"/api/v1/quotes/{to_reject['id']}", headers=headers)).json()
    assert rejected["status"] == "rejected"
    await page.close()


async def test_an_invoice_keeps_its_files_and_the_client_page_serves_them(served: Platform,
                                                                          browser: Browser) -> None:
    _, activity, headers = await served.member_with_activity()
    # A Dutch-speaking company: reachable on Peppol, so its invoice has a UBL beside the PDF.
    client = await served.client(headers, activity, COMPANY_NL)
    invoice = await served.issued(headers, activity, client["id"])
    http = served.http
    files = {f["name"]: f for f in invoice["files"]}
    pdf = await http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
    ubl = await http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=headers)
    # Rendered once, at issue: every download is the same bytes, and the API shows their hash.
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)).content == pdf.content
    assert files["pdf"]["sha256"] == hashlib.sha256(pdf.content).hexdigest() == pdf.headers["x-content-sha256"]
    assert files["ubl"]["sha256"] == hashlib.sha256(ubl.content).hexdigest()
    assert (files["pdf"]["content_type"], files["ubl"]["content_type"]) == ("application/pdf", "application/xml")

    key = {**headers, "Idempotency-Key": f"send-{invoice['id']}"}
    sent = await http.post(f"/api/v1/invoices/{invoice['id']}/send", headers=key)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and [s["status"] for s in sent.json()["sendings"]] == ["queued"]
    [event] = await served.tap.wait_for(DocumentSendRequested.event_type)
    request = DocumentSendRequested.model_validate(event["data"])
    assert request.client_language == "nl" and request.client_email == COMPANY_NL["email"]
    assert request.member_path == f"/app/invoices/{invoice['id']}"
    assert [(f.content_type, f.sha256) for f in request.files] == [
        ("application/pdf", files["pdf"]["sha256"]), ("application/xml", files["ubl"]["sha256"])]

    # The internal route gives notifications the stored bytes, with a service token only.
    secret = served.ctx.settings.service_token_secret.get_secret_value()
    path = request.files[0].path
    assert (await http.get(path)).status_code == 401
    wrong = issue_service_token(secret, caller="notifications", audience="payroll")
    assert (await http.get(path, headers={"Authorization": f"Bearer {wrong}"})).status_code == 401
    stranger = issue_service_token(secret, caller="governance", audience="invoicing")
    assert (await http.get(path, headers={"Authorization": f"Bearer {stranger}"})).status_code == 401
    good = issue_service_token(secret, caller="notifications", audience="invoicing")
    fetched = await http.get(path, headers={"Authorization": f"Bearer {good}"})
    assert fetched.status_code == 200 and fetched.content == pdf.content

    # What notifications reports moves the sending; older news never overrides newer.
    first_attempt = datetime.now(UTC)
    for status, attempts, at in (("failed", 1, first_attempt), ("sent", 2, first_attempt + timedelta(seconds=30)),
                                 ("failed", 1, first_attempt)):  # the first news, delivered again, late
        await served.deliver("notifications.sending.status_changed.v1", {
            "sending_id": request.sending_id, "status": status, "attempts": attempts,
            "error": "421 try later" if status == "failed" else None, "at": at.isoformat()})
    shown = (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(s["status"], s["attempts"]) for s in shown["sendings"]] == [("sent", 2)]

    # The client's page, in the client's language, with the QR code and both files.
    assert request.client_link is not None
    link = "/client/invoices/" + request.client_link.rsplit("/", 1)[1]
    base = str(http.base_url).rstrip("/")
    page = await browser.new_page()
    response = await page.goto(base + link)
    assert response is not None and response.status == 200
    assert await page.get_by_test_id("status").inner_text() == "Niet betaald"
    assert await page.get_by_test_id("ogm").inner_text() == invoice["structured_communication"]
    assert await page.get_by_test_id("amount").inner_text() == "786,50 €"
    await page.wait_for_function("document.querySelector('figure img').complete")
    assert await page.evaluate("document.querySelector('figure img').naturalWidth") > 0
    assert (await http.get(link + "/pdf")).content == pdf.content
    assert (await http.get(link + "/ubl")).content == ubl.content

    # A new link replaces the old one; a revoked link opens nothing; links expire.
    renewed = (await http.post(f"/api/v1/invoices/{invoice['id']}/client-link", headers=headers)).json()
    new_link = "/client/invoices/" + renewed["client_link_url"].rsplit("/", 1)[1]
    assert (await http.get(link)).status_code == 404
    assert (await http.get(new_link)).status_code == 200
    served.ctx.clock = DayClock(cooperative_today() + timedelta(days=served.ctx.settings.invoice_link_days
                                                                         + 1))
    assert (await http.get(new_link)).status_code == 410
    served.ctx.clock = DayClock(cooperative_today())
    assert (await http.delete(f"/api/v1/invoices/{invoice['id']}/client-link", headers=headers)).status_code == 204
    assert (await http.get(new_link)).status_code == 404
    await page.close()


async def test_a_private_clients_invoice_page_offers_the_pdf_only(served: Platform) -> None:
    # A private person is not on Peppol: the invoice has no UBL, and its page neither links nor fails for one.
    _, activity, headers = await served.member_with_activity()
    client = await served.client(headers, activity, PERSON)
    invoice = await served.issued(headers, activity, client["id"])
    assert [f["name"] for f in invoice["files"]] == ["pdf"]
    http = served.http
    renewed = (await http.post(f"/api/v1/invoices/{invoice['id']}/client-link", headers=headers)).json()
    link = "/client/invoices/" + renewed["client_link_url"].rsplit("/", 1)[1]
    page = await http.get(link)
    assert page.status_code == 200 and f'href="{link}/pdf"' in page.text and "/ubl" not in page.text
    missing = await http.get(link + "/ubl")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    pdf = await http.get(link + "/pdf")
    assert pdf.status_code == 200 and pdf.content == (
        await http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)).content
