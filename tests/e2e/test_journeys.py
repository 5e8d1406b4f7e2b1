"""Main journeys across services, through the gateway, on the running platform."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually


def test_a_member_joins_opens_an_activity_and_issues_an_invoice(platform: Platform) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        member_id, _, member = api.register("Ada Lovelace")
        _, _, other = api.register("Bob Other")

        # Without a paid share the member cannot open an activity.
        refused = api.post("/api/v1/activities", member, json={"name": "Atelier", "sector": "arts_and_culture"})
        assert refused.status_code == 409
        share = api.post("/api/v1/shares", member, json={"quantity": 1})
        assert share.status_code == 201 and Decimal(share.json()["amount"]) == Decimal("30.00")
        confirmed = api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin)
        assert confirmed.status_code == 201, confirmed.text
        activity = api.post("/api/v1/activities", member, json={"name": "Atelier", "sector": "arts_and_culture"})
        assert activity.status_code == 201, activity.text
        activity_id = activity.json()["id"]

        # Invoicing learns about the activity and the member's standing from events.
        client_body = {"activity_id": activity_id, "kind": "company", "name": "Théâtre de la Lune SRL",
                       "email": "compta@theatre-lune.example", "vat_number": "BE0765432146",
                       "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège",
                                   "country": "BE"}}
        created = eventually(lambda: api.post("/api/v1/clients", member, json=client_body),
                             lambda r: r.status_code == 201)
        client_id = created.json()["id"]
        draft = api.post("/api/v1/invoices", member, json={
            "activity_id": activity_id, "client_id": client_id, "buyer_reference": "PO-1",
            "lines": [{"description": "Stage design", "quantity": "1", "unit": "C62", "unit_price": "100.00",
                       "vat_rate": "21"}]})
        assert draft.status_code == 201, draft.text
        invoice_id = draft.json()["id"]
        issued = api.post(f"/api/v1/invoices/{invoice_id}/issue", member)
        assert issued.status_code == 200, issued.text
        invoice = issued.json()
        assert invoice["number"].startswith("20")
        assert Decimal(invoice["totals"]["total_incl_vat"]) == Decimal("121.00")

        pdf = api.get(f"/api/v1/invoices/{invoice_id}/pdf", member)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        ubl = api.get(f"/api/v1/invoices/{invoice_id}/ubl", member)
        assert ubl.status_code == 200 and b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in ubl.content

        # Another member sees none of it.
        assert api.get(f"/api/v1/invoices/{invoice_id}", other).status_code == 404
        assert api.get(f"/api/v1/activities/{activity_id}", other).status_code == 404
        assert api.get(f"/api/v1/members/{member_id}", other).status_code == 404

        # A partner's shop invoices for this activity with a key bound to it, through the gateway.
        unbound = api.post("/api/v1/admin/api-keys", admin, json={
            "name": "Shop", "scopes": ["invoices:read", "invoices:write"]})
        assert unbound.status_code == 422 and unbound.json()["error"]["field"] == "activity_ids"
        created_key = api.post("/api/v1/admin/api-keys", admin, json={
            "name": "Shop", "scopes": ["invoices:read", "invoices:write"], "activity_ids": [activity_id]})
        assert created_key.status_code == 201, created_key.text
        assert created_key.json()["activity_ids"] == [activity_id]
        shop = {"X-API-Key": created_key.json()["key"]}
        sale = api.post("/api/v1/invoices", shop, json={
            "activity_id": activity_id, "client_id": client_id,
            "lines": [{"description": "Poster", "quantity": "2", "unit": "C62", "unit_price": "25.00",
                       "vat_rate": "21"}]})
        assert sale.status_code == 201, sale.text
        sold = api.post(f"/api/v1/invoices/{sale.json()['id']}/issue", shop)
        assert sold.status_code == 200, sold.text
        assert Decimal(sold.json()["totals"]["total_incl_vat"]) == Decimal("60.50")
        assert {i["id"] for i in api.get("/api/v1/invoices", shop).json()["items"]} == {invoice_id, sale.json()["id"]}
        assert api.get("/api/v1/payslips", shop).status_code == 403  # outside its scopes
        audit = api.get(f"/api/v1/admin/api-keys/{created_key.json()['id']}/audit", admin).json()["items"]
        assert [(e["method"], e["status"]) for e in audit] == [("GET", 403), ("GET", 200), ("POST", 200), ("POST", 201)]


def _paid_member(api: Api, admin: dict[str, str], name: str) -> tuple[str, dict[str, str]]:
    member_id, _, headers = api.register(name)
    share = api.post("/api/v1/shares", headers, json={"quantity": 1})
    assert share.status_code == 201, share.text
    assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
    # The "share paid" notification shows the event has left members and been consumed.
    eventually(lambda: api.get("/api/v1/inbox", headers),
               lambda r: r.status_code == 200 and any("share" in item["event_type"] for item in r.json()["items"]))
    return member_id, headers


def _wait_for_state(api: Api, admin: dict[str, str], assembly_id: str, wanted: str,
                    until: datetime) -> dict[str, Any]:
    while True:
        doc: dict[str, Any] = api.get(f"/api/v1/assemblies/{assembly_id}", admin).json()
        if doc["state"] == wanted:
            return doc
        if datetime.now(UTC) >= until:  # say what the scheduler was doing: its last run, outcome, next run
            jobs = api.get("/api/v1/admin/jobs/governance", admin).text
            raise AssertionError(f"still {doc['state']}, expected {wanted}; governance jobs: {jobs}")
        time.sleep(0.2)


def test_an_assembly_votes_one_person_one_vote(platform: Platform) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        ada_id, ada = _paid_member(api, admin, "Ada Voter")
        bob_id, bob = _paid_member(api, admin, "Bob Voter")
        _, _, outsider = api.register("Carl Unpaid")
        time.sleep(1.0)  # governance consumes the same events as notifications

        now = datetime.now(UTC)
        # Wide enough for four votes on a loaded 2-core machine, where the scheduler's tick and each
        # request can take seconds.
        opens, closes = now + timedelta(seconds=4), now + timedelta(seconds=22)
        assembly = api.post("/api/v1/assemblies", admin, json={
            "kind": "general", "title": "Annual assembly", "opens_at": opens.isoformat(),
            "closes_at": closes.isoformat()})
        assert assembly.status_code == 201, assembly.text
        assembly_id = assembly.json()["id"]
        resolution = api.post(f"/api/v1/assemblies/{assembly_id}/resolutions", admin, json={
            "text": "Approve the accounts.", "majority": "two_thirds", "quorum": "0", "ballot": "secret"})
        assert resolution.status_code == 201, resolution.text
        resolution_id = resolution.json()["id"]
        convened = api.post(f"/api/v1/assemblies/{assembly_id}/convene", admin)
        assert convened.status_code == 200, convened.text
        assert api.get(f"/api/v1/assemblies/{assembly_id}", ada).json()["you"]["in_electorate"] is True

        # No admin call: the governance service opens and closes the vote itself.
        state = _wait_for_state(api, admin, assembly_id, "voting_open", until=opens + timedelta(seconds=8))
        assert state["opened_at"] is not None and datetime.fromisoformat(state["opened_at"]) >= opens
        vote = f"/api/v1/resolutions/{resolution_id}/votes"
        # The outsider goes first: after closes_at the answer would be voting_closed, whoever asks.
        refused = api.post(vote, outsider, json={"choice": "for"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "not_in_electorate"
        cast = api.post(vote, ada, json={"choice": "for"})
        assert cast.status_code == 201, cast.text
        again = api.post(vote, ada, json={"choice": "against"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_voted", again.text
        cast = api.post(vote, bob, json={"choice": "against"})
        assert cast.status_code == 201, cast.text

        state = _wait_for_state(api, admin, assembly_id, "results_published", until=closes + timedelta(seconds=8))
        published = datetime.fromisoformat(state["published_at"])
        assert closes <= published < closes + timedelta(seconds=6)  # published within seconds of closes_at
        results = api.get(f"/api/v1/assemblies/{assembly_id}/results", ada)
        assert results.status_code == 200, results.text
        (result,) = [r for r in results.json()["results"] if r["resolution_id"] == resolution_id]
        assert (result["votes_for"], result["votes_against"], result["participants"]) == (1, 1, 2)
        assert result["adopted"] is False  # 1 of 2 is short of two thirds
        eventually(lambda: api.get("/api/v1/inbox", bob),
                   lambda r: any(i["event_type"] == "governance.results.published.v1" for i in r.json()["items"]))
        assert ada_id != bob_id
