"""Credit notes on paid invoices: the refund owed to the client, with the account the client paid from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import InvoiceCredited, RefundPaid

from ..unit.camt_files import Line, Statement, statement_xml
from .conftest import Platform, line

D = Decimal


async def test_a_bank_paid_invoice_credited_owes_a_refund_to_the_account_it_came_from(platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2026, 4, 3))
    _, activity, headers = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(headers, activity)
    invoice = await platform.issued(headers, activity, client["id"], [line("Mix", "4", "C62", "100.00", "21")])
    staff = platform.auth("adv-1", "advisor")
    content = statement_xml(Statement([Line("200.00", ogm=invoice["structured_communication"], ref="REF-1",
                                            debtor_iban="BE68539007547034")]))
    imported = await platform.http.post("/api/v1/bank-statements", headers=staff,
                                        files={"file": ("s.xml", content, "application/xml")})
    assert imported.status_code == 201, imported.text

    # A partial credit note (one of the four units: 121.00) is less than the 284.00 still owed: no refund.
    small = await platform.http.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                                     json={"reason": "Une unité en moins", "lines": [{"line": 0, "quantity": "1"}]})
    assert small.status_code == 201, small.text
    assert small.json()["totals"]["total_incl_vat"] == "121.00"
    after = (await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert (after["status"], after["outstanding"], after["refunds"]) == ("partially_paid", "163.00", [])

    # The rest: 163.00 unpaid is cancelled, the 200.00 received is owed back.
    rest = await platform.http.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                                    json={"reason": "Annulé", "lines": [{"line": 0, "quantity": "3"}]})
    assert rest.status_code == 201, rest.text
    cancelled = (await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert cancelled["status"] == "cancelled" and cancelled["credit_note"]["id"] == rest.json()["id"]
    assert [n["id"] for n in cancelled["credit_notes"]] == [small.json()["id"], rest.json()["id"]]
    [ref] = cancelled["refunds"]
    refund = (await platform.http.get(f"/api/v1/refunds/{ref['id']}", headers=headers)).json()
    assert (refund["amount"], refund["status"], refund["client_iban"]) == ("200.00", "due", "BE68539007547034")
    assert refund["credit_note_number"] == rest.json()["number"]

    events = await platform.tap.wait_for(InvoiceCredited.event_type, 2)
    first, second = (InvoiceCredited.model_validate(e["data"]) for e in events)
    assert (first.full, first.refund_incl_vat, first.unpaid_vat, first.outstanding_activity_share) == (
        False, D("0"), D("21.00"), D("93.50"))
    assert (second.full, second.refund_id, second.refund_incl_vat) == (True, ref["id"], D("200.00"))
    # 200.00 of a note of 363.00 (300.00 + 63.00 VAT): 165.29 excl. VAT, 34.71 VAT, contribution 10.74.
    assert (second.refund_excl_vat, second.refund_vat, second.refund_contribution) == (
        D("165.29"), D("34.71"), D("10.74"))
    assert second.unpaid_vat == D("63.00") - D("34.71")

    # Nothing more to credit, a written-off or unknown line is refused with the field.
    more = await platform.http.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                                    json={"reason": "x", "lines": [{"line": 0, "quantity": "1"}]})
    assert more.status_code in (409, 422)
    other = await platform.issued(headers, activity, client["id"])
    unknown = await platform.http.post(f"/api/v1/invoices/{other['id']}/credit-note", headers=headers,
                                       json={"reason": "x", "lines": [{"line": 5}]})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "lines"
    both = await platform.http.post(f"/api/v1/invoices/{other['id']}/credit-note", headers=headers,
                                    json={"reason": "x", "lines": [{"line": 0}], "amount_excl_vat": "1.00"})
    assert both.status_code == 422

    paid = await platform.http.post(f"/api/v1/refunds/{ref['id']}/mark-paid", headers=staff,
                                    json={"paid_on": "2026-04-03", "reference": "SEPA 1"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    note = (await platform.http.get(f"/api/v1/invoices/{rest.json()['id']}", headers=headers)).json()
    assert [(r["id"], r["status"]) for r in note["refunds"]] == [(ref["id"], "paid")]
    [event] = await platform.tap.wait_for(RefundPaid.event_type)
    assert RefundPaid.model_validate(event["data"]).amount == D("200.00")
    future = await platform.http.post(f"/api/v1/refunds/{ref['id']}/mark-paid", headers=staff,
                                      json={"paid_on": "2027-01-01"})
    assert future.status_code == 422 and future.json()["error"]["field"] == "paid_on"


async def test_due_refunds_go_out_in_one_sepa_file_and_are_then_paid(platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2026, 4, 3))
    _, activity, headers = await platform.member_with_activity(advisor_id="adv-2")
    client = await platform.client(headers, activity)
    staff = platform.auth("adv-2", "advisor")
    invoices = [await platform.issued(headers, activity, client["id"], [line("Mix", "1", "C62", price, "21")])
                for price in ("100.00", "50.00")]
    content = statement_xml(Statement([
        Line("121.00", ogm=invoices[0]["structured_communication"], ref="REF-S1", debtor_iban="BE68539007547034"),
        Line("60.50", ogm=invoices[1]["structured_communication"], ref="REF-S2", debtor_iban="BE62510007547061")]))
    imported = await platform.http.post("/api/v1/bank-statements", headers=staff,
                                        files={"file": ("s.xml", content, "application/xml")})
    assert imported.status_code == 201, imported.text
    manual = await platform.issued(headers, activity, client["id"])
    assert (await platform.http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": manual["id"], "amount": "10.00", "received_on": "2026-04-03"})).status_code == 201
    for invoice in (*invoices, manual):
        assert (await platform.http.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                                         json={"reason": "Annulé"})).status_code == 201

    assert (await platform.http.post("/api/v1/refunds/payment-files", headers=headers, json={})).status_code == 403
    made = await platform.http.post("/api/v1/refunds/payment-files", headers=staff, json={})
    assert made.status_code == 201, made.text
    assert made.headers["X-Refund-Count"] == "2"  # the hand-paid one has no known account
    xml = made.content.decode()
    assert "pain.001.001.03" in xml and "BE68539007547034" in xml and "BE62510007547061" in xml
    assert "<CtrlSum>181.50</CtrlSum>" in xml
    again = await platform.http.get(f"/api/v1/refunds/payment-files/{made.headers['X-Refund-File-Id']}",
                                    headers=staff)
    assert again.status_code == 200 and again.content == made.content
    listed = (await platform.http.get("/api/v1/refunds", headers=staff,
                                      params={"activity_id": activity})).json()["items"]
    assert sorted((r["amount"], r["status"]) for r in listed) == [("10.00", "due"), ("121.00", "paid"),
                                                                   ("60.50", "paid")]
    await platform.tap.wait_for(RefundPaid.event_type, 2)
    none_left = await platform.http.post("/api/v1/refunds/payment-files", headers=staff, json={})
    assert none_left.status_code == 409 and none_left.json()["error"]["code"] == "refund.none_payable"
