"""Invoice lifecycle through the API: review, issue, send, overdue, lists,
and the helpers (VAT rates, pricing)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from coop_shared.clock import DayClock

from .conftest import PERSON, US_COMPANY, Platform, line


async def review_events(platform: Platform, invoice_id: str) -> list[dict[str, Any]]:
    """What the member is told of each review decision, in the order the decisions were made."""
    found = platform.ctx.runtime.db.outbox.find({"type": "invoicing.invoice.reviewed.v1", "aggregate": invoice_id})
    return [json.loads(doc["body"])["data"] async for doc in found.sort("sequence")]


async def test_advisor_review_gates_the_issue(platform: Platform) -> None:
    owner = await platform.member(advisor_id="adv-7")
    activity = await platform.activity(owner)
    headers = platform.auth(owner)
    client = await platform.client(headers, activity)
    draft = await platform.draft(headers, activity, client["id"])
    http = platform.http
    advisor, admin = platform.auth("adv-7", "advisor"), platform.auth("root", "admin")
    submitted = await http.post(f"/api/v1/invoices/{draft['id']}/submit-for-review", headers=headers)
    assert (submitted.json()["status"], submitted.json()["review"]["state"]) == ("in_review", "pending")
    early = await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "invoice.review_pending")
    in_review_edit = await http.patch(f"/api/v1/invoices/{draft['id']}", headers=headers, json={"lines": [line()]})
    assert in_review_edit.json()["error"]["code"] == "invoice.not_editable"
    self_approval = await http.post(f"/api/v1/invoices/{draft['id']}/approve", headers=headers)
    assert (self_approval.status_code, self_approval.json()["error"]["code"]) == (403, "not_reviewer")
    back = await http.post(f"/api/v1/invoices/{draft['id']}/request-changes", headers=advisor,
                           json={"message": "Précisez les dates."})
    assert (back.json()["status"], back.json()["review"]["message"]) == ("draft", "Précisez les dates.")
    # Once reviewed, it must be reviewed again after changes.
    await http.patch(f"/api/v1/invoices/{draft['id']}", headers=headers, json={"buyer_reference": "Mars 2026"})
    blocked = await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert blocked.json()["error"]["code"] == "invoice.review_required"
    await http.post(f"/api/v1/invoices/{draft['id']}/submit-for-review", headers=headers)
    approved = await http.post(f"/api/v1/invoices/{draft['id']}/approve", headers=admin)
    assert approved.json()["review"]["state"] == "approved" and approved.json()["status"] == "in_review"
    again = await http.post(f"/api/v1/invoices/{draft['id']}/approve", headers=advisor)
    assert again.json()["error"]["code"] == "invoice.not_in_review"
    issued = await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    told = [(e["decision"], e["message"], e["decided_by"], e["member_id"])
            for e in await review_events(platform, draft["id"])]
    assert told == [("changes_requested", "Précisez les dates.", "adv-7", owner), ("approved", "", "root", owner)]


async def test_an_advisor_rejects_an_invoice_in_review_and_it_never_gets_a_number(platform: Platform) -> None:
    owner = await platform.member(advisor_id="adv-8")
    activity = await platform.activity(owner)
    headers = platform.auth(owner)
    draft = await platform.draft(headers, activity, (await platform.client(headers, activity))["id"])
    http = platform.http
    advisor, stranger = platform.auth("adv-8", "advisor"), platform.auth("adv-other", "advisor")
    url = f"/api/v1/invoices/{draft['id']}/reject"
    too_early = await http.post(url, headers=advisor, json={"message": "Not a sale of ours."})
    assert (too_early.status_code, too_early.json()["error"]["code"]) == (409, "invoice.invalid_transition")
    await http.post(f"/api/v1/invoices/{draft['id']}/submit-for-review", headers=headers)
    empty = await http.post(url, headers=advisor, json={"message": ""})
    assert (empty.status_code, empty.json()["error"]["field"]) == (422, "message"), empty.text
    for refused in (await http.post(url, headers=headers, json={"message": "mine"}),
                    await http.post(url, headers=stranger, json={"message": "not mine"})):
        assert refused.status_code in (403, 404), refused.text
    retry = {**advisor, "Idempotency-Key": "reject-1"}
    rejected = await http.post(url, headers=retry, json={"message": "Not a sale of ours."})
    again = await http.post(url, headers=retry, json={"message": "Not a sale of ours."})
    assert rejected.status_code == again.status_code == 200 and again.json() == rejected.json()
    body = rejected.json()
    assert (body["status"], body["number"], body["review"]["state"], body["review"]["message"]) == (
        "cancelled", None, "rejected", "Not a sale of ours.")
    [told] = await review_events(platform, draft["id"])  # the replay told nobody twice
    assert (told["decision"], told["message"], told["client_name"]) == ("rejected", "Not a sale of ours.",
                                                                        draft["client"]["name"])
    assert (await http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)).status_code == 409
    assert (await http.delete(f"/api/v1/invoices/{draft['id']}", headers=headers)).status_code == 409  # kept
    assert (await http.get(f"/api/v1/invoices/{draft['id']}", headers=headers)).json()["status"] == "cancelled"


async def test_issue_send_overdue_and_list_filters(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    company = await platform.client(headers, activity)
    person = await platform.client(headers, activity, PERSON)
    http = platform.http
    start = date(2026, 3, 10)
    platform.ctx.clock = DayClock(start)
    invoice = await platform.issued(headers, activity, company["id"], payment_term_days=14)
    assert (invoice["issue_date"], invoice["due_date"], invoice["number"]) == ("2026-03-10", "2026-03-24",
                                                                               "2026-000001")
    assert invoice["structured_communication"] == "+++202/6000/00192+++"
    sent = await http.post(f"/api/v1/invoices/{invoice['id']}/send", headers=headers)
    assert (sent.json()["status"], sent.json()["sent_on"]) == ("sent", "2026-03-10")
    drafts = [await platform.draft(headers, activity, person["id"]) for _ in range(3)]
    platform.ctx.clock = DayClock(date(2026, 3, 24))
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()["overdue"] is False
    platform.ctx.clock = DayClock(date(2026, 3, 25))
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()["overdue"] is True
    overdue = (await http.get("/api/v1/invoices", headers=headers, params={"overdue": "true"})).json()["items"]
    assert [i["id"] for i in overdue] == [invoice["id"]]
    by_status = (await http.get("/api/v1/invoices", headers=headers, params={"status": "draft"})).json()["items"]
    assert {i["id"] for i in by_status} == {d["id"] for d in drafts}
    by_number = (await http.get("/api/v1/invoices", headers=headers, params={"number": "2026-000001"})).json()
    assert [i["id"] for i in by_number["items"]] == [invoice["id"]]
    unknown = await http.get("/api/v1/invoices", headers=headers, params={"number": "2026-000002"})
    assert unknown.json()["items"] == []
    malformed = await http.get("/api/v1/invoices", headers=headers, params={"number": "2026 1; drop"})
    assert malformed.status_code == 422 and malformed.json()["error"]["field"] == "number", malformed.text
    by_client = (await http.get("/api/v1/invoices", headers=headers, params={"client_id": company["id"]})).json()
    assert [i["id"] for i in by_client["items"]] == [invoice["id"]]
    # Pages of 2, newest first, no duplicate and nothing missed.
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/api/v1/invoices", headers=headers, params=params)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([invoice["id"], *(d["id"] for d in drafts)])
    assert seen[-1] == invoice["id"]  # the oldest comes last
    # The next year starts a new series.
    platform.ctx.clock = DayClock(date(2027, 1, 2))
    next_year = await http.post(f"/api/v1/invoices/{drafts[0]['id']}/issue", headers=headers)
    assert next_year.json()["number"] == "2027-000001"
    assert (await http.get("/api/v1/invoices", headers=headers, params={"year": 2027})).json()["items"][0][
        "id"] == drafts[0]["id"]


async def test_vat_regimes_and_contribution_follow_the_client(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    us = await platform.client(headers, activity, US_COMPANY)
    person_abroad = await platform.client(headers, activity, {**PERSON, "address": {**PERSON["address"],
                                                                                    "country": "US"}})
    export = await platform.issued(headers, activity, us["id"], [line(vat_rate=None)])
    assert (export["vat"]["treatment"], export["lines"][0]["vat_category"]) == ("services_outside_eu", "O")
    consumer = await platform.issued(headers, activity, person_abroad["id"], [line(vat_rate="21")])
    assert consumer["vat"]["treatment"] == "normal" and consumer["totals"]["vat_total"] == "136.50"
    other = await platform.activity(await platform.member(), name="Jardin")
    internal = await platform.client(headers, activity, {
        "kind": "company", "name": "Coopérative – Jardin", "address": PERSON["address"]},
        cooperative_activity_id=other)
    intra = await platform.issued(headers, activity, internal["id"], [line(vat_rate=None)])
    assert (intra["vat"]["treatment"], intra["contribution"], intra["activity_share"]) == (
        "intra_cooperative", "0.00", "650.00")
    assert (export["contribution_rate"], export["contribution"], export["activity_share"]) == (
        "6.5", "42.25", "607.75")


async def test_vat_rates_and_pricing_helpers(platform: Platform) -> None:
    headers = platform.auth("anyone")
    rates = (await platform.http.get("/api/v1/vat-rates", headers=headers, params={"on": "2026-03-01"})).json()
    assert rates["rates_in_force"] == ["21", "12", "6", "0"]
    accommodation = [r for r in rates["in_force"] if r["category"] == "accommodation"]
    assert accommodation == [{"category": "accommodation", "rate": "12", "effective_from": "2026-03-01"}]
    before = (await platform.http.get("/api/v1/vat-rates", headers=headers, params={"on": "2026-02-28"})).json()
    assert [r["rate"] for r in before["in_force"] if r["category"] == "accommodation"] == ["6"]
    price = (await platform.http.get("/api/v1/invoices/pricing", headers=headers,
                                     params={"labour": "1000.00", "expenses": "200"})).json()
    assert price == {"labour": "1000.00", "expenses": "200", "contribution_rate": "6.5",
                     "amount_excl_vat": "1283.42", "contribution": "83.42", "activity_share": "1200.00"}
    intra = (await platform.http.get("/api/v1/invoices/pricing", headers=headers,
                                     params={"labour": "1000", "intra_cooperative": "true"})).json()
    assert intra["amount_excl_vat"] == "1000.00"

