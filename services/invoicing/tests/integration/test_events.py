"""Events leave through the outbox, once per change, with the contract's fields."""

from __future__ import annotations

from decimal import Decimal

from coop_shared.contracts.invoicing import (
    DocumentSendRequested,
    InvoiceCredited,
    InvoiceIssued,
    InvoiceSent,
    QuoteAnswered,
    QuoteSent,
)

from .conftest import NL_COMPANY, Platform, line


async def test_each_change_emits_its_event_exactly_once(platform: Platform) -> None:
    member, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    http = platform.http
    quote = (await http.post("/api/v1/quotes", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "valid_until": "2099-03-31",
        "lines": [line("Création", "10", "HUR", "60.00", "21")]})).json()
    send_key = {**headers, "Idempotency-Key": "send-quote-1"}
    sent = await http.post(f"/api/v1/quotes/{quote['id']}/send", headers=send_key)
    replay = await http.post(f"/api/v1/quotes/{quote['id']}/send", headers=send_key)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["client_link_token"] is None  # shown once: only its hash is kept
    token = sent.json()["client_link_token"]
    assert (await http.post(f"/api/v1/public/quotes/{token}/accept",
                            headers={"Idempotency-Key": "accept-1"})).status_code == 200
    assert (await http.post(f"/api/v1/public/quotes/{token}/accept",
                            headers={"Idempotency-Key": "accept-1"})).status_code == 200
    draft = (await http.post(f"/api/v1/quotes/{quote['id']}/invoice", headers=headers)).json()
    issue_key = {**headers, "Idempotency-Key": "issue-1"}
    issued = (await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=issue_key)).json()
    assert (await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=issue_key)).json() == issued
    # One sending per request: its replay sends nothing more.
    invoice_send_key = {**headers, "Idempotency-Key": "send-invoice-1"}
    first_send = await http.post(f"/api/v1/invoices/{draft['id']}/send", headers=invoice_send_key)
    replayed_send = await http.post(f"/api/v1/invoices/{draft['id']}/send", headers=invoice_send_key)
    assert first_send.status_code == 200 and replayed_send.json() == first_send.json()
    assert [s["status"] for s in first_send.json()["sendings"]] == ["queued"]
    note = (await http.post(f"/api/v1/invoices/{draft['id']}/credit-note", headers=headers,
                            json={"reason": "Annulé"})).json()
    assert (await http.post(f"/api/v1/invoices/{draft['id']}/credit-note", headers=headers,
                            json={"reason": "Annulé"})).status_code == 409

    events = await platform.tap.drain()
    assert sorted(e["type"] for e in events) == sorted([
        QuoteSent.event_type, QuoteAnswered.event_type, InvoiceIssued.event_type, InvoiceSent.event_type,
        InvoiceCredited.event_type, DocumentSendRequested.event_type, DocumentSendRequested.event_type])
    assert len({e["id"] for e in events}) == 7
    requests = [DocumentSendRequested.model_validate(e["data"]) for e in events
                if e["type"] == DocumentSendRequested.event_type]
    assert sorted(r.document_kind for r in requests) == ["invoice", "quote"]
    assert all("/client/" in (r.client_link or "") and r.files for r in requests)
    by_type = {e["type"]: e for e in events}
    assert all(e["source"] == "invoicing" for e in events)

    quote_sent = QuoteSent.model_validate(by_type[QuoteSent.event_type]["data"])
    assert (quote_sent.quote_id, quote_sent.member_id, quote_sent.total_incl_vat) == (
        quote["id"], member, Decimal("726.00"))
    answered = QuoteAnswered.model_validate(by_type[QuoteAnswered.event_type]["data"])
    assert (answered.answer, answered.activity_id) == ("accepted", activity)

    event = InvoiceIssued.model_validate(by_type[InvoiceIssued.event_type]["data"])
    assert by_type[InvoiceIssued.event_type]["subject"] == draft["id"]
    assert (event.number, event.member_id, event.client_id) == (issued["number"], member, client["id"])
    assert (event.total_excl_vat, event.total_vat, event.total_incl_vat) == (
        Decimal("600.00"), Decimal("126.00"), Decimal("726.00"))
    assert (event.contribution_rate, event.contribution, event.activity_share) == (
        Decimal("0.065"), Decimal("39.00"), Decimal("561.00"))
    assert event.structured_communication == issued["structured_communication"]
    assert event.intra_cooperative is False

    invoice_sent = InvoiceSent.model_validate(by_type[InvoiceSent.event_type]["data"])
    assert invoice_sent.client_email == "compta@theatre-lune.example"
    credited = InvoiceCredited.model_validate(by_type[InvoiceCredited.event_type]["data"])
    assert (credited.credit_note_id, credited.credit_note_number) == (note["id"], note["number"])
    assert (credited.total_incl_vat, credited.outstanding_activity_share) == (Decimal("726.00"), Decimal("561.00"))
    # Every event was marked sent once the broker confirmed it.
    pending = await platform.runtime.db.outbox.count_documents({"status": "pending"})
    assert pending == 0


async def test_no_event_for_a_refused_change(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, NL_COMPANY)
    draft = await platform.draft(headers, activity, client["id"], [line(vat_rate=None)], review_required=True)
    refused = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert refused.status_code == 409
    assert await platform.tap.drain(settle=0.3) == []
    assert await platform.runtime.db.outbox.count_documents({}) == 0
