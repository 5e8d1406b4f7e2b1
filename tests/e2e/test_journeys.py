"""Main journeys across services, through the gateway, on the running platform."""

from __future__ import annotations

from decimal import Decimal

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
