"""The shared HTTP conventions on a real service: ETag, If-Match, Location,
millisecond timestamps (HttpConventionsMiddleware in the app factory)."""

from __future__ import annotations

import re

from .conftest import BE_COMPANY, Platform, line

MILLISECONDS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def test_created_invoice_has_location_etag_and_millisecond_timestamps(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    created = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})
    assert created.status_code == 201
    invoice = created.json()
    assert created.headers["Location"] == f"/api/v1/invoices/{invoice['id']}"
    assert re.fullmatch(r'"[0-9a-f]{32}"', created.headers["ETag"])
    assert MILLISECONDS_Z.match(invoice["created_at"]) and MILLISECONDS_Z.match(invoice["updated_at"])
    # The POST answer and a GET of the same version agree, byte for byte and by tag.
    fetched = await platform.http.get(created.headers["Location"], headers=headers)
    assert fetched.json() == invoice
    assert fetched.headers["ETag"] == created.headers["ETag"]
    unchanged = await platform.http.get(created.headers["Location"], headers={
        **headers, "If-None-Match": fetched.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    _, other_activity, other = await platform.member_with_activity()
    another = await platform.http.post("/api/v1/clients", headers=other,
                                       json={**BE_COMPANY, "activity_id": other_activity})
    assert another.status_code == 201
    assert another.headers["Location"] == f"/api/v1/clients/{another.json()['id']}"


async def test_a_stale_if_match_is_412_and_a_current_one_writes(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    draft = await platform.draft(headers, activity, client["id"])
    url = f"/api/v1/invoices/{draft['id']}"
    read = await platform.http.get(url, headers=headers)
    first_tag = read.headers["ETag"]
    # Tab 1 saves with the tag it read.
    saved = await platform.http.patch(url, headers={**headers, "If-Match": first_tag},
                                      json={"buyer_reference": "PO-1"})
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] != first_tag
    assert saved.headers["ETag"] == (await platform.http.get(url, headers=headers)).headers["ETag"]
    # Tab 2 still holds the first tag: its edit would overwrite tab 1's.
    stale = await platform.http.patch(url, headers={**headers, "If-Match": first_tag},
                                      json={"buyer_reference": "PO-2"})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed" and stale.json()["error"]["field"] == "If-Match"
    assert (await platform.http.get(url, headers=headers)).json()["buyer_reference"] == "PO-1"
    stale_delete = await platform.http.delete(url, headers={**headers, "If-Match": first_tag})
    assert stale_delete.status_code == 412
    # Read again, then write: accepted.
    fresh = (await platform.http.get(url, headers=headers)).headers["ETag"]
    retried = await platform.http.patch(url, headers={**headers, "If-Match": fresh},
                                        json={"buyer_reference": "PO-2"})
    assert retried.status_code == 200 and retried.json()["buyer_reference"] == "PO-2"
    # Without If-Match the write goes through as before; on an unknown resource the 404 stays a 404.
    assert (await platform.http.patch(url, headers=headers, json={"buyer_reference": "PO-3"})).status_code == 200
    missing = await platform.http.patch("/api/v1/invoices/nope", headers={**headers, "If-Match": first_tag},
                                        json={"buyer_reference": "x"})
    assert missing.status_code == 404
