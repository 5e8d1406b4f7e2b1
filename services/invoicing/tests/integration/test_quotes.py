"""Quotes: sent with a client link (no login), answered there, locked once
accepted and turned into an invoice once."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from coop_shared.clock import DayClock
from coop_shared.testing.dates import cooperative_today

from .conftest import Platform, line

PUBLIC = "/api/v1/public/quotes"


async def _sent_quote(platform: Platform, headers: dict[str, str], activity: str, client_id: str,
                      valid_until: str = "2099-06-30") -> tuple[dict[str, Any], str]:
    created = await platform.http.post("/api/v1/quotes", headers=headers, json={
        "activity_id": activity, "client_id": client_id, "valid_until": valid_until,
        "lines": [line("Captation vidéo", "2", "DAY", "600.00", "21"), line("Montage", "8", "HUR", "55", "21")]})
    assert created.status_code == 201, created.text
    sent = await platform.http.post(f"/api/v1/quotes/{created.json()['id']}/send", headers=headers)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    return body["quote"], body["client_link_token"]


async def test_the_client_reads_and_accepts_through_the_link_and_the_quote_becomes_an_invoice(
        platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    quote, token = await _sent_quote(platform, headers, activity, client["id"])
    assert quote["status"] == "sent" and len(token) >= 43
    http = platform.http
    public = await http.get(f"{PUBLIC}/{token}")  # no Authorization header at all
    assert public.status_code == 200
    view = public.json()
    assert (view["client_name"], view["activity_name"], view["totals"]["total_incl_vat"]) == (
        "Théâtre de la Lune SRL", "Atelier Sonore", "1984.40")
    assert view["seller"]["vat_number"] == "BE0123456749"
    assert "client_id" not in view and "activity_id" not in view  # nothing beyond this quote
    accepted = await http.post(f"{PUBLIC}/{token}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    # Accepted is final and locked.
    assert (await http.post(f"{PUBLIC}/{token}/reject", json={"reason": "changed my mind"})).status_code == 409
    locked = await http.patch(f"/api/v1/quotes/{quote['id']}", headers=headers, json={"valid_until": "2099-07-01"})
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "quote.locked")
    invoice = await http.post(f"/api/v1/quotes/{quote['id']}/invoice", headers=headers)
    assert invoice.status_code == 201, invoice.text
    assert (invoice.json()["status"], invoice.json()["quote_id"]) == ("draft", quote["id"])
    assert invoice.json()["totals"] == quote["totals"]
    twice = await http.post(f"/api/v1/quotes/{quote['id']}/invoice", headers=headers)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "quote.already_invoiced")
    stored = (await http.get(f"/api/v1/quotes/{quote['id']}", headers=headers)).json()
    assert stored["invoice_id"] == invoice.json()["id"]


async def test_a_token_opens_only_its_own_quote_and_is_stored_hashed(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    first, first_token = await _sent_quote(platform, headers, activity, client["id"])
    second, second_token = await _sent_quote(platform, headers, activity, client["id"])
    http = platform.http
    assert (await http.post(f"{PUBLIC}/{first_token}/reject", json={"reason": "Trop cher"})).status_code == 200
    assert (await http.get(f"/api/v1/quotes/{second['id']}", headers=headers)).json()["status"] == "sent"
    assert (await http.get(f"{PUBLIC}/{second_token}")).json()["status"] == "sent"
    for forged in (first_token[:-1] + ("A" if first_token[-1] != "A" else "B"), "x" * 43, second["id"] + "-xxxxx"):
        response = await http.get(f"{PUBLIC}/{forged}")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "quote_link_invalid")
    stored = await platform.ctx.quotes.get(first["id"])
    assert stored is not None
    assert stored["token_hash"] == hashlib.sha256(first_token.encode()).hexdigest()
    assert first_token not in str(stored)
    # The member's own read of the quote never shows the token either.
    assert first_token not in (await http.get(f"/api/v1/quotes/{first['id']}", headers=headers)).text


async def test_changes_requested_then_revised_and_sent_again_with_a_new_link(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    quote, token = await _sent_quote(platform, headers, activity, client["id"])
    http = platform.http
    asked = await http.post(f"{PUBLIC}/{token}/request-changes", json={"message": "Un seul jour de tournage ?"})
    assert asked.status_code == 200
    assert (asked.json()["status"], asked.json()["client_comment"]) == ("changes_requested",
                                                                        "Un seul jour de tournage ?")
    empty = await http.post(f"{PUBLIC}/{token}/request-changes", json={"message": ""})
    assert (empty.status_code, empty.json()["error"]["field"]) == (422, "message")
    revised = await http.patch(f"/api/v1/quotes/{quote['id']}", headers=headers, json={
        "lines": [line("Captation vidéo", "1", "DAY", "600.00", "21")]})
    assert revised.status_code == 200, revised.text
    assert (revised.json()["status"], revised.json()["totals"]["total_incl_vat"]) == ("draft", "726.00")
    assert (await http.get(f"{PUBLIC}/{token}")).status_code == 404  # the old link died with the old proposal
    resent = (await http.post(f"/api/v1/quotes/{quote['id']}/send", headers=headers)).json()
    new_token = resent["client_link_token"]
    assert new_token != token
    assert (await http.get(f"{PUBLIC}/{new_token}")).json()["totals"]["total_incl_vat"] == "726.00"
    renewed = (await http.post(f"/api/v1/quotes/{quote['id']}/renew-link", headers=headers)).json()
    assert (await http.get(f"{PUBLIC}/{new_token}")).status_code == 404
    assert (await http.post(f"{PUBLIC}/{renewed['client_link_token']}/accept")).json()["status"] == "accepted"


async def test_an_expired_quote_cannot_be_accepted_and_its_link_expires(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    today = platform.ctx.clock.today()
    _, token = await _sent_quote(platform, headers, activity, client["id"], valid_until=today.isoformat())
    http = platform.http
    platform.ctx.clock = DayClock(today + timedelta(days=1))
    late = await http.post(f"{PUBLIC}/{token}/accept")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "quote.expired")
    assert (await http.get(f"{PUBLIC}/{token}")).json()["expired"] is True
    platform.ctx.clock = DayClock(today + timedelta(days=40))
    gone = await http.get(f"{PUBLIC}/{token}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "quote_link_expired")


async def test_a_quote_needs_a_future_validity_and_good_standing_to_be_sent(platform: Platform) -> None:
    member, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    http = platform.http
    past = (cooperative_today() - timedelta(days=400)).isoformat()
    created = (await http.post("/api/v1/quotes", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "valid_until": past, "lines": [line()]})).json()
    refused = await http.post(f"/api/v1/quotes/{created['id']}/send", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "quote.validity_in_past")
    await http.patch(f"/api/v1/quotes/{created['id']}", headers=headers, json={"valid_until": "2099-01-01"})
    await platform.member(member, shares_paid=0)
    refused = await http.post(f"/api/v1/quotes/{created['id']}/send", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "member_not_in_good_standing")


async def test_a_quotes_link_can_be_revoked_and_its_sendings_are_shown(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    quote, token = await _sent_quote(platform, headers, activity, client["id"])
    http = platform.http
    shown = (await http.get(f"/api/v1/quotes/{quote['id']}", headers=headers)).json()
    assert [(s["document_kind"], s["status"], s["to"]) for s in shown["sendings"]] == [
        ("quote", "queued", client["email"])]
    assert (await http.get(f"{PUBLIC}/{token}")).status_code == 200
    stranger = await platform.member_with_activity()
    refused = await http.delete(f"/api/v1/quotes/{quote['id']}/client-link", headers=stranger[2])
    assert refused.status_code == 404 and (await http.get(f"{PUBLIC}/{token}")).status_code == 200
    assert (await http.delete(f"/api/v1/quotes/{quote['id']}/client-link", headers=headers)).status_code == 204
    assert (await http.get(f"{PUBLIC}/{token}")).status_code == 404
    assert (await http.post(f"{PUBLIC}/{token}/accept")).status_code == 404
    still = (await http.get(f"/api/v1/quotes/{quote['id']}", headers=headers)).json()
    assert still["status"] == "sent"
    renewed = (await http.post(f"/api/v1/quotes/{quote['id']}/renew-link", headers=headers)).json()
    assert (await http.get(f"{PUBLIC}/{renewed['client_link_token']}")).status_code == 200
