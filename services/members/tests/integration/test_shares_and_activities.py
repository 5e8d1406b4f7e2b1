"""Shares and activities: good standing gates activities; every change is
announced exactly once on the broker."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from coop_shared.testing.dates import cooperative_today

from .conftest import Api, EventTap


async def test_no_paid_share_no_activity_until_an_admin_confirms_the_payment(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    member = await api.member()
    activity = {"name": "Atelier de céramique", "sector": "arts_and_culture"}

    refused = await api.call("POST", "/api/v1/activities", headers=member.headers, json=activity)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "membership_not_in_good_standing"

    subscription = await api.call("POST", "/api/v1/shares", headers=member.headers, json={"quantity": 2})
    assert subscription.status_code == 201, subscription.text
    entry = subscription.json()
    assert entry["kind"] == "subscription" and entry["state"] == "unpaid"
    assert entry["unit_price"] == "30.00" and entry["amount"] == "60.00"  # money as exact strings
    still = await api.call("POST", "/api/v1/activities", headers=member.headers, json=activity)
    assert still.status_code == 409  # subscribed is not paid

    not_admin = await api.call("POST", f"/api/v1/admin/shares/{entry['id']}/confirm-payment",
                               headers=member.headers)
    assert not_admin.status_code == 403
    key = {"Idempotency-Key": "pay-1", **admin.headers}
    paid = await api.call("POST", f"/api/v1/admin/shares/{entry['id']}/confirm-payment", headers=key)
    replay = await api.call("POST", f"/api/v1/admin/shares/{entry['id']}/confirm-payment", headers=key)
    assert paid.status_code == replay.status_code == 201 and replay.json() == paid.json()
    twice = await api.call("POST", f"/api/v1/admin/shares/{entry['id']}/confirm-payment", headers=admin.headers)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "share_already_paid"

    opened = await api.call("POST", "/api/v1/activities", headers=member.headers, json=activity)
    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "open" and opened.json()["owner_id"] == member.id
    me = (await api.call("GET", "/api/v1/members/me", headers=member.headers)).json()
    assert me["membership"] == {"shares_paid": 2, "shares_unpaid": 0, "shares_b_paid": 0,
                                "shares_required": 1, "in_good_standing": True}
    mine = (await api.call("GET", "/api/v1/shares", headers=member.headers)).json()["items"]
    assert [(e["kind"], e["state"]) for e in mine] == [("payment", None), ("subscription", "paid")]

    await tap.wait_for("members.activity.opened.v1")
    await tap.drain()
    counts = Counter(e["type"] for e in tap.events if e["subject"] == member.id or
                     e["data"].get("owner_id") == member.id)
    assert counts == {"members.member.registered.v1": 1, "members.share.subscribed.v1": 1,
                      "members.share.paid.v1": 1, "members.member.standing_changed.v1": 1,
                      "members.activity.opened.v1": 1}
    assert len({e["id"] for e in tap.events}) == len(tap.events)
    [paid_event] = tap.of("members.share.paid.v1")
    assert paid_event["data"]["shares_paid"] == 2 and paid_event["data"]["in_good_standing"] is True
    assert paid_event["data"]["amount"] == "60.00" and paid_event["data"]["subscription_id"] == entry["id"]
    assert paid_event["data"]["good_standing_until"] is None  # no year of use had started
    # The first activity starts the first year of use; two shares cover it and the next.
    [started] = tap.of("members.member.standing_changed.v1")
    began = date.fromisoformat(started["data"]["usage_started_on"])
    assert started["data"]["in_good_standing"] is True and started["data"]["shares_paid"] == 2
    assert date.fromisoformat(started["data"]["good_standing_until"]) == \
        began.replace(year=began.year + 2) - timedelta(days=1)
    [subscribed] = tap.of("members.share.subscribed.v1")
    assert subscribed["data"]["in_good_standing"] is False
    [opened_event] = tap.of("members.activity.opened.v1")
    assert opened_event["data"]["activity_id"] == opened.json()["id"] and opened_event["data"]["kind"] == "individual"


async def test_activity_lifecycle_and_its_events(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    owner = await api.paid_member(admin)
    partner = await api.member()
    created = await api.call("POST", "/api/v1/activities", headers=owner.headers, json={
        "name": "Collectif son", "sector": "events", "kind": "collective", "co_manager_ids": [partner.id]})
    assert created.status_code == 422 and created.json()["error"]["field"] == "budget_manager_id"
    unknown = await api.call("POST", "/api/v1/activities", headers=owner.headers, json={
        "name": "Collectif son", "sector": "events", "co_manager_ids": ["nobody"]})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "co_manager_ids"
    created = await api.call("POST", "/api/v1/activities", headers=owner.headers, json={
        "name": "Collectif son", "sector": "events", "kind": "collective", "co_manager_ids": [partner.id],
        "budget_manager_id": partner.id})
    assert created.status_code == 201, created.text
    activity_id = created.json()["id"]
    url = f"/api/v1/activities/{activity_id}"
    # A co-manager sees it.
    assert (await api.call("GET", url, headers=partner.headers)).status_code == 200
    assert (await api.call("GET", "/api/v1/activities", headers=partner.headers)).json()["items"][0]["id"] \
        == activity_id

    renamed = await api.call("PATCH", url, headers=owner.headers, json={"name": "Collectif son & lumière"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Collectif son & lumière"
    suspended = await api.call("PATCH", url, headers=owner.headers, json={"status": "suspended"})
    assert suspended.json()["status"] == "suspended"
    reopened = await api.call("PATCH", url, headers=owner.headers, json={"status": "open"})
    assert reopened.json()["status"] == "open"
    closed = await api.call("PATCH", url, headers=owner.headers, json={"status": "closed"})
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] is not None
    after = await api.call("PATCH", url, headers=owner.headers, json={"status": "open"})
    assert after.status_code == 409 and after.json()["error"]["code"] == "invalid_activity_transition"
    renaming_closed = await api.call("PATCH", url, headers=owner.headers, json={"name": "Again"})
    assert renaming_closed.status_code == 409 and renaming_closed.json()["error"]["code"] == "activity_closed"
    unchanged = await api.call("PATCH", url, headers=owner.headers, json={"status": "closed"})
    assert unchanged.status_code == 200

    await tap.wait_for("members.activity.closed.v1")
    await tap.drain()
    mine = [e for e in tap.events if e["subject"] == activity_id]
    assert [e["type"].split(".")[2] for e in mine] == ["opened", "updated", "updated", "updated", "closed"]
    assert mine[0]["data"]["co_manager_ids"] == [partner.id] and mine[0]["data"]["budget_manager_id"] == partner.id
    assert mine[1]["data"]["changed"] == ["name"] and mine[-1]["data"]["status"] == "closed"


async def test_transfer_resignation_and_refund_are_appended_to_the_register(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    giver = await api.paid_member(admin, shares=3)
    receiver = await api.member()
    transfer = {"from_member_id": giver.id, "to_member_id": receiver.id, "quantity": 1}
    too_many = await api.call("POST", "/api/v1/admin/shares/transfers", headers=admin.headers,
                              json={**transfer, "quantity": 4})
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "not_enough_paid_shares"
    moved = await api.call("POST", "/api/v1/admin/shares/transfers", headers=admin.headers, json=transfer)
    assert moved.status_code == 201, moved.text
    assert [e["kind"] for e in moved.json()["entries"]] == ["transfer_out", "transfer_in"]
    opened = await api.call("POST", "/api/v1/activities", headers=receiver.headers,
                            json={"name": "Cours de yoga", "sector": "well_being"})
    assert opened.status_code == 201  # the transferred share is fully paid: good standing

    resigned = await api.call("POST", "/api/v1/shares/resignations", headers=giver.headers, json={"quantity": 2})
    assert resigned.status_code == 201, resigned.text
    due = date.fromisoformat(resigned.json()["refund_due_on"])
    today = cooperative_today()
    assert today < due <= today.replace(year=today.year + 3)
    assert resigned.json()["amount"] == "60.00"
    none_left = await api.call("POST", "/api/v1/shares/resignations", headers=giver.headers, json={"quantity": 1})
    assert none_left.status_code == 409
    refunded = await api.call("POST", f"/api/v1/admin/shares/{resigned.json()['id']}/confirm-refund",
                              headers=admin.headers)
    assert refunded.status_code == 201 and refunded.json()["kind"] == "refund"
    again = await api.call("POST", f"/api/v1/admin/shares/{resigned.json()['id']}/confirm-refund",
                           headers=admin.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "share_already_refunded"

    register = (await api.call("GET", "/api/v1/admin/shares", headers=admin.headers,
                               params={"member_id": giver.id, "limit": 2})).json()
    assert len(register["items"]) == 2 and register["next_cursor"]
    rest = (await api.call("GET", "/api/v1/admin/shares", headers=admin.headers,
                           params={"member_id": giver.id, "cursor": register["next_cursor"]})).json()
    kinds = [e["kind"] for e in register["items"] + rest["items"]]
    assert kinds == ["refund", "resignation", "transfer_out", "payment", "subscription"]
    me = (await api.call("GET", "/api/v1/members/me", headers=giver.headers)).json()["membership"]
    assert me["shares_paid"] == 0 and me["in_good_standing"] is False

    await tap.wait_for("members.share.refunded.v1")
    [moved_event] = tap.of("members.share.transferred.v1")
    assert moved_event["data"]["to_in_good_standing"] is True and moved_event["data"]["from_shares_paid"] == 2
    [resigned_event] = tap.of("members.share.resigned.v1")
    assert resigned_event["data"]["refund_amount"] == "60.00" and resigned_event["data"]["in_good_standing"] is False


async def test_arts_attestation_is_recorded_by_an_admin(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    member = await api.member()
    url = f"/api/v1/admin/members/{member.id}/attestation"
    too_long = await api.call("PUT", url, headers=admin.headers,
                              json={"type": "starter", "valid_from": "2026-01-01", "valid_to": "2030-12-31"})
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "valid_to"
    assert (await api.call("PUT", url, headers=member.headers,
                           json={"type": "plus", "valid_from": "2026-01-01", "valid_to": "2030-12-31"})
            ).status_code == 403
    recorded = await api.call("PUT", url, headers=admin.headers,
                              json={"type": "plus", "valid_from": "2026-01-01", "valid_to": "2030-12-31"})
    assert recorded.status_code == 200
    assert recorded.json()["attestation"]["type"] == "plus"
    [event] = await tap.wait_for("members.attestation.recorded.v1")
    assert event["data"] == {"member_id": member.id, "attestation_type": "plus", "valid_from": "2026-01-01",
                             "valid_to": "2030-12-31"}
