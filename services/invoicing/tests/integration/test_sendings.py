"""Sendings of credit notes and reminder letters, and what cannot be sent."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from coop_shared.auth.service_tokens import issue_service_token
from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import DocumentSendRequested
from invoicing.service_layer.reminders import ReminderService

from .conftest import Platform


async def _requests(platform: Platform, count: int) -> list[DocumentSendRequested]:
    events = await platform.tap.wait_for(DocumentSendRequested.event_type, count)
    return [DocumentSendRequested.model_validate(e["data"]) for e in events]


async def test_a_credit_note_is_sent_with_its_own_files_and_a_cancelled_invoice_is_not(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    http = platform.http
    draft = await platform.draft(headers, activity, client["id"])
    refused = await http.post(f"/api/v1/invoices/{draft['id']}/send", headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invoice.not_issued"
    invoice = (await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)).json()
    note = (await http.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                            json={"reason": "Erreur de prix"})).json()
    assert {f["name"] for f in note["files"]} == {"pdf", "ubl"}
    assert {f["sha256"] for f in note["files"]}.isdisjoint({f["sha256"] for f in invoice["files"]})
    cancelled = await http.post(f"/api/v1/invoices/{invoice['id']}/send", headers=headers)
    assert cancelled.status_code == 409 and cancelled.json()["error"]["code"] == "invoice.not_sendable"

    sent = await http.post(f"/api/v1/invoices/{note['id']}/send", headers=headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "issued" and len(sent.json()["sendings"]) == 1
    [request] = await _requests(platform, 1)
    assert (request.document_kind, request.document_id, request.client_link) == ("credit_note", note["id"], None)
    pdf = await http.get(f"/api/v1/invoices/{note['id']}/pdf", headers=headers)
    assert request.files[0].sha256 == hashlib.sha256(pdf.content).hexdigest()


async def test_a_reminder_letter_goes_to_the_client_with_its_stored_pdf(platform: Platform) -> None:
    issued_on = date(2026, 3, 10)
    platform.ctx.clock = DayClock(issued_on)
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    invoice = await platform.issued(headers, activity, client["id"], payment_term_days=14)
    platform.ctx.clock = DayClock(issued_on + timedelta(days=14 + 7))
    await ReminderService(platform.ctx).run()
    [request] = await _requests(platform, 1)
    assert (request.document_kind, request.level, request.document_id) == ("reminder", "first_reminder",
                                                                           invoice["id"])
    assert request.client_link is not None and "/client/invoices/" in request.client_link
    letter = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/reminders/first_reminder/pdf",
                                     headers=headers)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    token = issue_service_token(platform.ctx.settings.service_token_secret.get_secret_value(),
                                caller="notifications", audience="invoicing")
    fetched = await platform.http.get(request.files[0].path, headers={"Authorization": f"Bearer {token}"})
    assert fetched.status_code == 200 and fetched.content == letter.content
    shown = (await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(s["document_kind"], s["status"]) for s in shown["sendings"]] == [("reminder", "queued")]
