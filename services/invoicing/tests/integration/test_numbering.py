"""Gapless yearly numbering under concurrency, idempotent retries, and the
credit notes' own series."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from coop_shared.testing.fixtures import running, trust_test_key
from invoicing.main import create_app

from .conftest import Platform


async def test_fifty_concurrent_issues_on_two_replicas_get_numbers_1_to_50(
        platform: Platform, settings_for: Callable[..., Any], signing_key: Any) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    drafts = [await platform.draft(headers, activity, client["id"]) for _ in range(50)]
    # A second replica on the same database: the numbering may not rely on one process.
    replica = trust_test_key(create_app(platform.ctx.settings), signing_key)
    async with running(replica) as other:
        clients: list[httpx.AsyncClient] = [platform.http, other]
        responses = await asyncio.gather(*(
            clients[i % 2].post(f"/api/v1/invoices/{d['id']}/issue", headers=headers) for i, d in enumerate(drafts)))
    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses if r.status_code != 200]
    year = responses[0].json()["issue_date"][:4]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"{year}-{n:06d}" for n in range(1, 51)]
    communications = {r.json()["structured_communication"] for r in responses}
    assert len(communications) == 50
    assert await platform.ctx.counters.value("invoice", int(year)) == 50


async def test_concurrent_issues_in_one_process_are_numbered_in_groups_each_transaction_run_once(
        platform: Platform, monkeypatch: Any) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    drafts = [await platform.draft(headers, activity, client["id"]) for _ in range(12)]
    counters = platform.ctx.counters
    reserved: list[int] = []
    real_take = counters.take

    async def counted_take(series: str, year: int, count: int, session: Any) -> int:
        reserved.append(count)  # once per transaction attempt: an aborted, re-run transaction counts again
        return await real_take(series, year, count, session)

    monkeypatch.setattr(counters, "take", counted_take)
    responses = await asyncio.gather(*(
        platform.http.post(f"/api/v1/invoices/{d['id']}/issue", headers=headers) for d in drafts))
    assert [r.status_code for r in responses] == [200] * 12
    # Racing for the one counter document, most of them would have been aborted and re-run: each issuer
    # was numbered by exactly one transaction, and those that queued together shared one.
    assert sum(reserved) == 12
    assert len(reserved) < 12, reserved
    assert sorted(int(r.json()["number"][-6:]) for r in responses) == list(range(1, 13))


async def test_an_issue_retried_with_the_same_idempotency_key_returns_the_same_invoice(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    draft = await platform.draft(headers, activity, client["id"])
    key = {**headers, "Idempotency-Key": "issue-once-1"}
    first = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=key)
    again = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=key)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # Without the key, a second issue is refused: an invoice is numbered once.
    twice = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "invoice.invalid_transition"
    other = await platform.issued(headers, activity, client["id"])
    assert other["number"].endswith("-000002")


async def test_an_issue_that_fails_after_taking_a_number_leaves_no_hole(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    first = await platform.issued(headers, activity, client["id"])
    # The domain refuses this one only after the counter moved: the transaction rolls both back.
    blocked = await platform.draft(headers, activity, client["id"], review_required=True)
    refused = await platform.http.post(f"/api/v1/invoices/{blocked['id']}/issue", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invoice.review_required"
    assert (await platform.http.get(f"/api/v1/invoices/{blocked['id']}", headers=headers)).json()["number"] is None
    second = await platform.issued(headers, activity, client["id"])
    assert [first["number"][-6:], second["number"][-6:]] == ["000001", "000002"]


async def test_credit_notes_have_their_own_gapless_series(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    invoices = [await platform.issued(headers, activity, client["id"]) for _ in range(3)]
    notes = await asyncio.gather(*(
        platform.http.post(f"/api/v1/invoices/{i['id']}/credit-note", headers=headers, json={"reason": "Erreur"})
        for i in invoices))
    assert [n.status_code for n in notes] == [201] * 3
    year = invoices[0]["issue_date"][:4]
    assert sorted(n.json()["number"] for n in notes) == [f"CN-{year}-{k:06d}" for k in (1, 2, 3)]
    for invoice, note in zip(invoices, sorted(notes, key=lambda n: n.json()["credited_invoice"]["number"]),
                             strict=True):
        assert note.json()["credited_invoice"] == {"id": invoice["id"], "number": invoice["number"]}
        assert note.json()["kind"] == "credit_note" and note.json()["structured_communication"] is None
        assert note.json()["outstanding"] == "0.00" and note.json()["totals"] == invoice["totals"]
        cancelled = (await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
        assert (cancelled["status"], cancelled["outstanding"]) == ("cancelled", "0.00")
        assert cancelled["credit_note"] == {"id": note.json()["id"], "number": note.json()["number"]}
    # The invoice series was not touched by the credit notes.
    fourth = await platform.issued(headers, activity, client["id"])
    assert fourth["number"] == f"{year}-000004"


async def test_a_series_counter_is_created_once_then_issuing_asks_for_it_no_more(platform: Platform) -> None:
    counters = platform.ctx.counters
    stored = platform.ctx.runtime.db["counters"]
    await counters.ensure("test-series", 2031)
    assert await stored.find_one({"_id": counters.key("test-series", 2031)}) == {
        "_id": "test-series:2031", "value": 0}
    await stored.delete_one({"_id": counters.key("test-series", 2031)})
    await counters.ensure("test-series", 2031)  # known to this process: no second upsert
    assert await stored.find_one({"_id": counters.key("test-series", 2031)}) is None
    await counters.ensure("test-series", 2032)  # another year is a new counter
    assert await stored.find_one({"_id": counters.key("test-series", 2032)}) is not None


async def test_one_invoice_issued_twice_at_once_gets_one_number_and_the_other_request_a_409(
        platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    drafts = [await platform.draft(headers, activity, client["id"]) for _ in range(3)]
    blocked = await platform.draft(headers, activity, client["id"], review_required=True)
    # The same draft twice (two clicks, no Idempotency-Key) and one the rules refuse, issued at the same time
    # as others: they may share a numbering transaction, and none of them may leave a hole.
    targets = [drafts[0]["id"], drafts[1]["id"], drafts[1]["id"], blocked["id"], drafts[2]["id"]]
    responses = await asyncio.gather(*(
        platform.http.post(f"/api/v1/invoices/{target}/issue", headers=headers) for target in targets))
    statuses = [r.status_code for r in responses]
    assert sorted(statuses[1:3]) == [200, 409] and statuses[3] == 409
    assert [statuses[0], statuses[4]] == [200, 200]
    refusals = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert refusals == {"invoice.invalid_transition", "invoice.review_required"}
    numbers = sorted(r.json()["number"][-6:] for r in responses if r.status_code == 200)
    assert numbers == ["000001", "000002", "000003"]
    year = int(responses[0].json()["issue_date"][:4])
    assert await platform.ctx.counters.value("invoice", year) == 3
