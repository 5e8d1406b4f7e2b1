"""Payments from camt.053 statements and by hand: invoice states, unmatched
amounts an advisor assigns or refunds, never dropped and never counted twice."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import (
    InvoicePaid,
    InvoicePartiallyPaid,
    PaymentAssigned,
    PaymentReceived,
    PaymentRefunded,
    PaymentUnmatched,
)

from ..unit.camt_files import ACCOUNT, Line, Statement, statement_xml
from .conftest import Platform, line

D = Decimal
UNKNOWN_OGM = "+++999/0000/00171+++"  # valid checksum, no invoice carries it
XML = {"Content-Type": "application/xml"}


def digits(ogm: str) -> str:
    return "".join(c for c in ogm if c.isdigit())


def slashed(ogm: str) -> str:
    return ogm.strip("+")


async def _invoices(platform: Platform) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    platform.ctx.clock = DayClock(date(2026, 3, 10))
    member, activity, headers = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(headers, activity)
    exact = await platform.issued(headers, activity, client["id"], [line("Mix", "1", "C62", "100.00", "21")])
    partial = await platform.issued(headers, activity, client["id"], [line("Sound", "10", "HUR", "65.00", "21")])
    over = await platform.issued(headers, activity, client["id"], [line("Mix", "1", "C62", "100.00", "21")])
    return member, headers, [exact, partial, over]


def _statement(invoices: list[dict[str, Any]], **kwargs: Any) -> bytes:
    exact, partial, over = invoices
    return statement_xml(Statement([
        Line("121.00", ogm=exact["structured_communication"], ref="REF-A"),  # in Strd, with +++
        Line("300.00", text=f"Facture {partial['number']} {digits(partial['structured_communication'])}",
             ref="REF-B", debtor="Camille Martin"),  # 12 bare digits in free text
        Line("150.00", text=slashed(over["structured_communication"]), ref="REF-C"),  # slashes, no +++
        Line("80.00", ogm=UNKNOWN_OGM, ref="REF-D", debtor="Inconnu SA"),
        Line("45.00", text="Merci pour le concert", ref="REF-E"),
        Line("121.00", ogm=exact["structured_communication"], ref="REF-A"),  # the bank repeated a line
        Line("500.00", ref="REF-F", credit=False),  # a debit: not a client payment
    ], **kwargs))


async def test_a_statement_settles_invoices_keeps_the_rest_and_a_second_import_changes_nothing(
        platform: Platform) -> None:
    member, owner, invoices = await _invoices(platform)
    exact, partial, over = invoices
    staff = platform.auth("adv-1", "advisor")
    http = platform.http
    content = _statement(invoices)

    first = await http.post("/api/v1/bank-statements", headers=staff,
                            files={"file": ("statement.xml", content, "application/xml")})
    assert first.status_code == 201, first.text
    assert first.json()["counts"] == {"matched": 1, "partial": 1, "overpaid": 1, "unmatched": 2, "duplicate": 1,
                                      "reversed": 0, "reversal_unmatched": 0, "skipped": 1}
    [summary] = first.json()["statements"]
    assert (summary["statement_id"], summary["account_iban"], summary["first_import"]) == (
        "STMT-2026-04-02-001", ACCOUNT, True)

    async def state(invoice: dict[str, Any]) -> tuple[str, str, str]:
        doc = (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=owner)).json()
        return doc["status"], doc["amount_paid"], doc["outstanding"]

    assert await state(exact) == ("paid", "121.00", "0.00")
    assert await state(partial) == ("partially_paid", "300.00", "486.50")
    assert await state(over) == ("paid", "121.00", "0.00")
    unmatched = (await http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]
    by_reason = {u["reason"]: u for u in unmatched}
    assert sorted(by_reason) == ["no_reference", "overpayment", "unknown_reference"]
    assert (by_reason["overpayment"]["amount"], by_reason["overpayment"]["invoice_id"]) == ("29.00", over["id"])
    assert (by_reason["unknown_reference"]["amount"], by_reason["unknown_reference"]["debtor_name"],
            by_reason["unknown_reference"]["structured_communication"]) == ("80.00", "Inconnu SA", UNKNOWN_OGM)
    assert by_reason["no_reference"]["reference"] == "Merci pour le concert"

    # The same file again, as a raw XML body: every line is a duplicate, nothing moves.
    second = await http.post("/api/v1/bank-statements", headers={**staff, **XML}, content=content)
    assert second.status_code == 200, second.text
    assert second.json()["counts"] == {"matched": 0, "partial": 0, "overpaid": 0, "unmatched": 0, "duplicate": 6,
                                       "reversed": 0, "reversal_unmatched": 0, "skipped": 1}
    assert second.json()["statements"][0]["first_import"] is False
    assert await state(partial) == ("partially_paid", "300.00", "486.50")
    assert len((await http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]) == 3
    assert len((await http.get("/api/v1/payments", headers=staff)).json()["items"]) == 3

    statement = (await http.get(f"/api/v1/bank-statements/{summary['id']}", headers=staff)).json()
    assert statement["lines"] == {"matched": 1, "partial": 1, "overpaid": 1, "unmatched": 2}
    assert [i["counts"]["duplicate"] for i in statement["imports"]] == [1, 6]
    assert statement["schema_version"] == "camt.053.001.02" and statement["status"] == "imported"
    lines = (await http.get(f"/api/v1/bank-statements/{summary['id']}/lines", headers=staff,
                            params={"limit": 3})).json()
    more = (await http.get(f"/api/v1/bank-statements/{summary['id']}/lines", headers=staff,
                           params={"cursor": lines["next_cursor"]})).json()
    assert [x["outcome"] for x in lines["items"] + more["items"]] == [
        "matched", "partial", "overpaid", "unmatched", "unmatched"]
    assert more["next_cursor"] is None

    # One payment event per real payment, each once.
    events = await platform.tap.drain()
    received = [PaymentReceived.model_validate(e["data"]) for e in platform.tap.of(PaymentReceived.event_type)]
    assert sorted(p.amount for p in received) == [D("121.00"), D("121.00"), D("300.00")]
    assert len({e["id"] for e in events}) == len(events)
    assert len(platform.tap.of(PaymentUnmatched.event_type)) == 3
    assert {e["data"]["invoice_id"] for e in platform.tap.of(InvoicePaid.event_type)} == {exact["id"], over["id"]}
    [partly] = [InvoicePartiallyPaid.model_validate(e["data"])
                for e in platform.tap.of(InvoicePartiallyPaid.event_type)]
    assert (partly.amount_paid, partly.outstanding_incl_vat) == (D("300.00"), D("486.50"))

    # EUR 121.00 for 100 + 21 % VAT: 100.00 excl. VAT, of which 6.50 contribution.
    paid = next(p for p in received if p.invoice_id == exact["id"])
    assert (paid.amount_excl_vat, paid.vat, paid.contribution, paid.activity_share) == (
        D("100.00"), D("21.00"), D("6.50"), D("93.50"))
    assert (paid.member_id, paid.fully_paid, paid.outstanding_incl_vat, paid.received_on) == (
        member, True, D("0.00"), date(2026, 4, 2))
    # 300 of 786.50 (650 + 136.50 VAT): proportional, to the cent.
    part = next(p for p in received if p.invoice_id == partial["id"])
    assert (part.amount_excl_vat, part.vat, part.contribution, part.activity_share, part.fully_paid) == (
        D("247.93"), D("52.07"), D("16.12"), D("231.81"), False)
    # The overpaid invoice took its outstanding amount only.
    assert next(p for p in received if p.invoice_id == over["id"]).amount == D("121.00")


async def test_an_advisor_assigns_or_refunds_what_was_unmatched(platform: Platform) -> None:
    _, owner, invoices = await _invoices(platform)
    _, partial, over = invoices
    staff = platform.auth("adv-1", "advisor")
    http = platform.http
    assert (await http.post("/api/v1/bank-statements", headers={**staff, **XML},
                            content=_statement(invoices))).status_code == 201
    await platform.tap.drain()
    unmatched = {u["reason"]: u for u in (await http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]}
    unknown, excess = unmatched["unknown_reference"], unmatched["overpayment"]

    # Part of the 80.00 goes to the partly paid invoice, then the rest.
    path = f"/api/v1/payments/unmatched/{unknown['id']}/assign"
    first = await http.post(path, headers={**staff, "Idempotency-Key": "assign-1"},
                            json={"invoice_id": partial["id"], "amount": "50.00"})
    assert first.status_code == 200, first.text
    assert first.json()["unmatched"]["remaining"] == "30.00" and first.json()["unmatched"]["status"] == "open"
    replay = await http.post(path, headers={**staff, "Idempotency-Key": "assign-1"},
                             json={"invoice_id": partial["id"], "amount": "50.00"})
    assert replay.headers["idempotent-replayed"] == "true"
    too_much = await http.post(path, headers=staff, json={"invoice_id": partial["id"], "amount": "31.00"})
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (422, "payment.exceeds_unmatched")
    paid_invoice = await http.post(path, headers=staff, json={"invoice_id": over["id"]})
    assert (paid_invoice.status_code, paid_invoice.json()["error"]["code"]) == (409, "invoice.already_paid")
    # Two advisors assign the rest at the same moment: one wins, the money is counted once.
    racing = await asyncio.gather(*(http.post(path, headers=staff, json={"invoice_id": partial["id"]})
                                    for _ in range(3)))
    assert sorted(r.status_code for r in racing) == [200, 409, 409]
    won = next(r.json() for r in racing if r.status_code == 200)
    assert (won["payment"]["amount"], won["unmatched"]["status"], won["invoice"]["outstanding"]) == (
        "30.00", "assigned", "406.50")
    doc = (await http.get(f"/api/v1/invoices/{partial['id']}", headers=owner)).json()
    assert (doc["amount_paid"], doc["status"]) == ("380.00", "partially_paid")

    # The overpaid excess goes back to the client.
    refunded = await http.post(f"/api/v1/payments/unmatched/{excess['id']}/refund", headers=staff,
                               json={"reason": "Paid twice; returned."})
    assert (refunded.json()["status"], refunded.json()["remaining"]) == ("refunded", "0.00")
    again = await http.post(f"/api/v1/payments/unmatched/{excess['id']}/assign", headers=staff,
                            json={"invoice_id": partial["id"]})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "unmatched.not_open")
    assert [u["id"] for u in (await http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]] == [
        unmatched["no_reference"]["id"]]
    every = (await http.get("/api/v1/payments/unmatched", headers=staff, params={"status": "all"})).json()["items"]
    assert len(every) == 3

    await platform.tap.drain()
    assigned = [PaymentAssigned.model_validate(e["data"]) for e in platform.tap.of(PaymentAssigned.event_type)]
    assert sorted(a.amount for a in assigned) == [D("30.00"), D("50.00")]
    assert [a.remaining_unmatched for a in sorted(assigned, key=lambda a: a.amount)] == [D("0.00"), D("30.00")]
    received = [PaymentReceived.model_validate(e["data"]) for e in platform.tap.of(PaymentReceived.event_type)]
    assert sorted(p.amount for p in received if p.invoice_id == partial["id"]) == [
        D("30.00"), D("50.00"), D("300.00")]
    assert len(platform.tap.of(PaymentRefunded.event_type)) == 1


async def test_manual_payments_split_partial_payments_to_the_invoice_totals(platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2026, 3, 10))
    _, activity, owner = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(owner, activity)
    invoice = await platform.issued(owner, activity, client["id"], [line("Mix", "3", "HUR", "33.33", "21")])
    assert invoice["totals"]["total_incl_vat"] == "120.99"  # 99.99 + 21.00
    staff = platform.auth("adv-1", "advisor")
    http = platform.http
    parts = []
    for amount in ("33.33", "33.33", "60.00"):  # the last one overpays by 5.67
        response = await http.post("/api/v1/payments", headers=staff, json={
            "invoice_id": invoice["id"], "amount": amount, "received_on": "2026-03-10"})
        assert response.status_code == 201, response.text
        parts.append(response.json())
    assert parts[-1]["invoice"] == {"id": invoice["id"], "number": invoice["number"], "status": "paid",
                                    "amount_paid": "120.99", "outstanding": "0.00"}
    assert (parts[-1]["payment"]["amount"], parts[-1]["unmatched"]["amount"]) == ("54.33", "5.67")
    payments = [p["payment"] for p in parts]
    assert sum(D(p["amount_excl_vat"]) for p in payments) == D("99.99")
    assert sum(D(p["vat"]) for p in payments) == D("21.00")
    assert sum(D(p["contribution"]) for p in payments) == D("6.50")  # 6.5 % of 99.99
    closed = await http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": invoice["id"], "amount": "1.00", "received_on": "2026-03-10"})
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "invoice.already_paid")
    future = await http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": invoice["id"], "amount": "1.00", "received_on": "2026-03-11"})
    assert (future.status_code, future.json()["error"]["code"]) == (422, "payment.date_in_future")
    listed = (await http.get("/api/v1/payments", headers=owner, params={"invoice_id": invoice["id"]})).json()
    assert len(listed["items"]) == 3 and {p["source"] for p in listed["items"]} == {"manual"}


async def test_members_see_only_their_own_payments_and_never_statements(platform: Platform) -> None:
    _, owner, invoices = await _invoices(platform)
    _, _, stranger = await platform.member_with_activity()
    staff = platform.auth("adv-1", "advisor")
    http = platform.http
    content = _statement(invoices)
    for headers in (owner, stranger):
        refused = await http.post("/api/v1/bank-statements", headers={**headers, **XML}, content=content)
        assert refused.status_code == 403
    imported = (await http.post("/api/v1/bank-statements", headers={**staff, **XML}, content=content)).json()
    statement_id = imported["statements"][0]["id"]
    payment = (await http.get("/api/v1/payments", headers=owner)).json()["items"][0]
    assert (await http.get(f"/api/v1/payments/{payment['id']}", headers=owner)).status_code == 200
    for headers in (owner, stranger):
        for path in (f"/api/v1/bank-statements/{statement_id}", f"/api/v1/bank-statements/{statement_id}/lines"):
            response = await http.get(path, headers=headers)
            assert (response.status_code, response.json()["error"]["code"]) == (404, "bank_statement_not_found")
        assert (await http.get("/api/v1/payments/unmatched", headers=headers)).status_code == 403
    hidden = await http.get(f"/api/v1/payments/{payment['id']}", headers=stranger)
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "payment_not_found")
    assert (await http.get("/api/v1/payments", headers=stranger)).json()["items"] == []
    assert (await http.get("/api/v1/payments", headers=stranger,
                           params={"invoice_id": invoices[0]["id"]})).json()["items"] == []
    # An advisor of someone else records nothing on this invoice.
    other_advisor = platform.auth("adv-2", "advisor")
    response = await http.post("/api/v1/payments", headers=other_advisor, json={
        "invoice_id": invoices[1]["id"], "amount": "1.00", "received_on": "2026-03-10"})
    assert response.status_code == 404


async def test_bad_uploads_are_refused_with_a_clear_code(platform: Platform) -> None:
    staff = platform.auth("admin-1", "admin")
    http = platform.http
    cases = [
        ({**XML}, b"<nope", 422, "bank_statement.not_xml"),
        ({**XML}, b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', 422,
         "bank_statement.dtd_forbidden"),
        ({**XML}, b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>', 422,
         "bank_statement.unsupported_format"),
        ({"Content-Type": "text/plain"}, b"hello", 415, "bank_statement.unsupported_media_type"),
    ]
    for headers, body, status, code in cases:
        response = await http.post("/api/v1/bank-statements", headers={**staff, **headers}, content=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    missing = await http.post("/api/v1/bank-statements", headers=staff, files={"other": ("x.xml", b"<x/>")})
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "bank_statement.file_missing")
    limit = platform.ctx.settings.bank_statement_max_bytes
    huge = await http.post("/api/v1/bank-statements", headers={**staff, **XML}, content=b" " * (limit + 1))
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "bank_statement.too_large")
    assert await platform.runtime.db.bank_statements.count_documents({}) == 0


async def test_concurrent_imports_of_a_version_08_file_count_each_payment_once(platform: Platform) -> None:
    _, owner, invoices = await _invoices(platform)
    exact, partial, over = invoices
    staff = platform.auth("admin-1", "admin")
    content = statement_xml(Statement([
        Line("121.00", text=f"Ref {exact['structured_communication']}", ref="V8-A"),
        Line("99.00", ogm=partial["structured_communication"], ref="V8-B", currency="USD"),
        Line("20.00", ref="V8-C",
             text=f"{digits(partial['structured_communication'])} + {digits(over['structured_communication'])}"),
    ], batches=[[Line("100.00", ogm=partial["structured_communication"], ref="V8-D1"),
                 Line("21.00", ogm=over["structured_communication"], ref="V8-D2")]],
        version="08", statement_id="STMT-V8"))
    results = await asyncio.gather(*(platform.http.post("/api/v1/bank-statements", headers={**staff, **XML},
                                                        content=content) for _ in range(3)))
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results]
    totals = {k: sum(r.json()["counts"][k] for r in results) for k in ("matched", "partial", "unmatched", "duplicate")}
    # Five credits (the batch is two), booked once whichever import got each line.
    assert totals == {"matched": 1, "partial": 2, "unmatched": 2, "duplicate": 10}
    payments = (await platform.http.get("/api/v1/payments", headers=staff)).json()["items"]
    assert sorted(p["amount"] for p in payments) == ["100.00", "121.00", "21.00"]
    unmatched = (await platform.http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]
    assert sorted((u["reason"], u["currency"]) for u in unmatched) == [
        ("ambiguous_reference", "EUR"), ("currency_not_eur", "USD")]
    usd = next(u for u in unmatched if u["currency"] == "USD")
    refused = await platform.http.post(f"/api/v1/payments/unmatched/{usd['id']}/assign", headers=staff,
                                       json={"invoice_id": partial["id"]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "unmatched.currency_not_eur")
    states = [(await platform.http.get(f"/api/v1/invoices/{i['id']}", headers=owner)).json()["status"]
              for i in invoices]
    assert states == ["paid", "partially_paid", "partially_paid"]
    await platform.tap.drain()
    assert len(platform.tap.of(PaymentReceived.event_type)) == 3
    assert await platform.runtime.db.bank_statements.count_documents({}) == 1
