"""Documents reach people: on the platform started as `make run` does, an
invoice sent through the API arrives at the client's address (kept by the
local mail sink as an .eml under the data directory), in the client's
language, with its PDF and UBL exactly as the API serves them (a credit note
with its own); a failed sending is shown and told, and sending again sends
once more."""

from __future__ import annotations

import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually


def _messages_to(data_dir: Path, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted((data_dir / "mail").glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            found.append(message)
    return found


def _wait_for_mail(data_dir: Path, address: str, count: int, timeout: float = 30.0) -> list[EmailMessage]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = _messages_to(data_dir, address)
        if len(messages) >= count:
            return messages
        time.sleep(0.25)
    raise AssertionError(f"{len(_messages_to(data_dir, address))} e-mail(s) to {address}, expected {count}")


def _member_with_activity(api: Api, name: str) -> tuple[dict[str, str], str]:
    admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, _, member = api.register(name)
    share = api.post("/api/v1/shares", member, json={"quantity": 1})
    assert share.status_code == 201, share.text
    assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
    activity = eventually(lambda: api.post("/api/v1/activities", member,
                                           json={"name": f"Studio {name}", "sector": "arts_and_culture"}),
                          lambda r: r.status_code == 201)
    return member, activity.json()["id"]


def _issued_invoice(api: Api, member: dict[str, str], activity_id: str, email: str) -> tuple[str, str]:
    # A company reachable on Peppol (its enterprise number): its invoice carries a UBL beside the PDF.
    body = {"activity_id": activity_id, "kind": "company", "name": "Peeters BV", "email": email, "language": "nl",
            "vat_number": "BE0765432146",
            "address": {"street": "Meir 1", "postal_code": "2000", "city": "Antwerpen", "country": "BE"}}
    client = eventually(lambda: api.post("/api/v1/clients", member, json=body), lambda r: r.status_code == 201)
    draft = api.post("/api/v1/invoices", member, json={
        "activity_id": activity_id, "client_id": client.json()["id"],
        "lines": [{"description": "Geluidsontwerp", "quantity": "2", "unit": "HUR", "unit_price": "80.00",
                   "vat_rate": "21"}]})
    assert draft.status_code == 201, draft.text
    issued = api.post(f"/api/v1/invoices/{draft.json()['id']}/issue", member)
    assert issued.status_code == 200, issued.text
    return draft.json()["id"], client.json()["id"]


def _sendings(api: Api, member: dict[str, str], invoice_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/invoices/{invoice_id}", member)
    assert response.status_code == 200, response.text
    sendings: list[dict[str, Any]] = response.json()["sendings"]
    return sendings


def test_a_sent_invoice_reaches_the_client_with_its_pdf_and_ubl(platform: Platform) -> None:
    with httpx.Client(timeout=20) as client:
        api = Api(client, platform.gateway)
        member, activity_id = _member_with_activity(api, "Lena Janssens")
        address = f"jan-{uuid.uuid4().hex[:8]}@example.be"
        invoice_id, _ = _issued_invoice(api, member, activity_id, address)
        sent = api.post(f"/api/v1/invoices/{invoice_id}/send", member)
        assert sent.status_code == 200, sent.text

        [message] = _wait_for_mail(platform.data_dir, address, 1)
        pdf = api.get(f"/api/v1/invoices/{invoice_id}/pdf", member)
        ubl = api.get(f"/api/v1/invoices/{invoice_id}/ubl", member)
        attachments = list(message.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf", "application/xml"]
        assert attachments[0].get_payload(decode=True) == pdf.content
        assert attachments[1].get_payload(decode=True) == ubl.content
        # In the client's language (Dutch), from the cooperative, naming the member's activity.
        number = sent.json()["number"]
        assert message["Subject"] == f"Factuur {number} – Studio Lena Janssens"
        assert "Studio Lena Janssens" in str(message["From"]) and message["Content-Language"] == "nl"
        text = message.get_body(("plain",)).get_content().replace("\xa0", " ").replace("\u202f", " ")
        assert "Gestructureerde mededeling" in text and "€ 193,60" in text

        # The link in the e-mail opens the client's page, through the gateway, without login.
        link = next(word for word in text.split() if "/client/invoices/" in word)
        page = client.get(link)
        assert page.status_code == 200 and "Niet betaald" in page.text and number in page.text

        # The sending is shown on the invoice as the mail relay took it.
        eventually(lambda: api.get(f"/api/v1/invoices/{invoice_id}", member),
                   lambda r: [s["status"] for s in r.json()["sendings"]] == ["sent"])
        # The local mail page lists the message and its attachments.
        listing = client.get(platform.gateway + "/dev/mail")
        assert listing.status_code == 200 and f"Factuur {number}" in listing.text
        assert f"{number}.pdf" in listing.text and f"{number}.xml" in listing.text


def test_a_failed_sending_is_told_and_sending_again_sends_once_more(platform: Platform) -> None:
    with httpx.Client(timeout=20) as client:
        api = Api(client, platform.gateway)
        member, activity_id = _member_with_activity(api, "Pieter Claes")
        mistyped = f"jan-{uuid.uuid4().hex[:8]}@example.invalid"
        invoice_id, client_id = _issued_invoice(api, member, activity_id, mistyped)
        assert api.post(f"/api/v1/invoices/{invoice_id}/send", member).status_code == 200
        # The relay refuses the address: the sending is parked, and the member is told.
        eventually(lambda: api.get(f"/api/v1/invoices/{invoice_id}", member),
                   lambda r: [s["status"] for s in r.json()["sendings"]] == ["parked"])
        told = eventually(lambda: api.get("/api/v1/inbox", member),
                          lambda r: any(e["kind"] == "document.sending_failed" for e in r.json()["items"]))
        [entry] = [e for e in told.json()["items"] if e["kind"] == "document.sending_failed"]
        assert mistyped in entry["body"]

        # The member fixes the address and sends again; a retried request sends nothing more.
        fixed = f"jan-{uuid.uuid4().hex[:8]}@example.be"
        patched = api.client.patch(api.url(f"/api/v1/clients/{client_id}"), headers=member, json={"email": fixed})
        assert patched.status_code == 200, patched.text
        again = {**member, "Idempotency-Key": f"resend-{invoice_id}"}
        first = api.post(f"/api/v1/invoices/{invoice_id}/send", again)
        replay = api.post(f"/api/v1/invoices/{invoice_id}/send", again)
        assert first.status_code == replay.status_code == 200
        assert replay.headers["idempotent-replayed"] == "true"
        _wait_for_mail(platform.data_dir, fixed, 1)
        eventually(lambda: api.get(f"/api/v1/invoices/{invoice_id}", member),
                   lambda r: [s["status"] for s in r.json()["sendings"]] == ["sent", "parked"])
        time.sleep(2)  # anything sent twice would have arrived by now
        assert len(_messages_to(platform.data_dir, fixed)) == 1
        assert _messages_to(platform.data_dir, mistyped) == []


def test_a_credit_note_reaches_the_client_with_its_own_pdf_and_ubl(platform: Platform) -> None:
    with httpx.Client(timeout=20) as client:
        api = Api(client, platform.gateway)
        member, activity_id = _member_with_activity(api, "Sofie Maes")
        address = f"boek-{uuid.uuid4().hex[:8]}@example.be"
        invoice_id, _ = _issued_invoice(api, member, activity_id, address)
        credited = api.post(f"/api/v1/invoices/{invoice_id}/credit-note", member,
                            json={"reason": "Dubbel gefactureerd"})
        assert credited.status_code == 201, credited.text
        note = credited.json()
        assert note["kind"] == "credit_note" and note["number"]
        sent = api.post(f"/api/v1/invoices/{note['id']}/send", member)
        assert sent.status_code == 200, sent.text

        [message] = _wait_for_mail(platform.data_dir, address, 1)
        pdf = api.get(f"/api/v1/invoices/{note['id']}/pdf", member)
        ubl = api.get(f"/api/v1/invoices/{note['id']}/ubl", member)
        invoice_pdf = api.get(f"/api/v1/invoices/{invoice_id}/pdf", member)
        attachments = list(message.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf", "application/xml"]
        # The note's own documents, not its invoice's: a UBL CreditNote (381) naming the invoice it credits.
        assert attachments[0].get_payload(decode=True) == pdf.content != invoice_pdf.content
        assert attachments[1].get_payload(decode=True) == ubl.content
        assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in ubl.content
        assert note["number"] in str(attachments[0].get_filename())
        eventually(lambda: api.get(f"/api/v1/invoices/{note['id']}", member),
                   lambda r: [s["status"] for s in r.json()["sendings"]] == ["sent"])
