"""``updated_since`` on the invoice and payment lists: what an integrator
syncing from a moment gets, and what it is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from coop_shared.testing.dates import cooperative_today

from .conftest import Platform, line


async def test_lists_give_what_changed_since_a_moment(platform: Platform) -> None:
    _, activity, owner = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(owner, activity)
    edited = await platform.draft(owner, activity, client["id"])
    untouched = await platform.draft(owner, activity, client["id"])
    paid = await platform.issued(owner, activity, client["id"], [line("Mix", "1", "HUR", "100.00", "21")])
    staff = platform.auth("adv-1", "advisor")
    before = await platform.http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": paid["id"], "amount": "21.00", "received_on": cooperative_today().isoformat()})
    assert before.status_code == 201, before.text

    await asyncio.sleep(0.05)
    since = datetime.now(UTC)
    await asyncio.sleep(0.05)
    patched = await platform.http.patch(f"/api/v1/invoices/{edited['id']}", headers=owner,
                                        json={"buyer_reference": "PO-7"})
    assert patched.status_code == 200, patched.text
    after = await platform.http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": paid["id"], "amount": "100.00", "received_on": cooperative_today().isoformat()})
    assert after.status_code == 201, after.text

    params = {"updated_since": since.isoformat(), "activity_id": activity}
    invoices = (await platform.http.get("/api/v1/invoices", headers=owner, params=params)).json()["items"]
    assert {i["id"] for i in invoices} == {edited["id"], paid["id"]}  # not the untouched draft
    assert untouched["id"] not in {i["id"] for i in invoices}
    payments = (await platform.http.get("/api/v1/payments", headers=owner, params=params)).json()["items"]
    assert [p["id"] for p in payments] == [after.json()["payment"]["id"]]
    everything = (await platform.http.get("/api/v1/invoices", headers=owner, params={"activity_id": activity})).json()
    assert len(everything["items"]) == 3

    # Paging through what changed keeps the filter.
    first = (await platform.http.get("/api/v1/invoices", headers=owner, params={**params, "limit": 1})).json()
    rest = (await platform.http.get("/api/v1/invoices", headers=owner,
                                    params={**params, "limit": 1, "cursor": first["next_cursor"]})).json()
    assert {first["items"][0]["id"], rest["items"][0]["id"]} == {edited["id"], paid["id"]}
    assert rest["next_cursor"] is None


async def test_a_moment_without_a_time_zone_or_not_a_moment_is_refused_naming_the_field(platform: Platform) -> None:
    _, _, owner = await platform.member_with_activity()
    for value in ("2026-12-01T00:00:00", "yesterday"):
        for path in ("/api/v1/invoices", "/api/v1/payments"):
            refused = await platform.http.get(path, headers=owner, params={"updated_since": value})
            assert refused.status_code == 422, (path, value, refused.text)
            assert refused.json()["error"]["field"] == "updated_since"
