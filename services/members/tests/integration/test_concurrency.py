"""Only-once rules hold under concurrent requests (unique indexes, not luck)."""

from __future__ import annotations

import asyncio

from .conftest import Api, EventTap, registration


async def test_concurrent_payment_confirmations_record_one_payment(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    member = await api.member()
    entry = (await api.call("POST", "/api/v1/shares", headers=member.headers, json={"quantity": 1})).json()
    url = f"/api/v1/admin/shares/{entry['id']}/confirm-payment"
    answers = await asyncio.gather(*(api.call("POST", url, headers=admin.headers) for _ in range(6)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and set(codes) == {201, 409}, [r.text for r in answers]
    assert await api.db.share_register.count_documents({"member_id": member.id, "kind": "payment"}) == 1
    await tap.wait_for("members.share.paid.v1")
    await tap.drain()
    assert len(tap.of("members.share.paid.v1")) == 1


async def test_concurrent_movements_keep_one_register_position_each(api: Api) -> None:
    member = await api.member()
    answers = await asyncio.gather(*(api.call("POST", "/api/v1/shares", headers=member.headers,
                                              json={"quantity": 1}) for _ in range(4)))
    assert all(r.status_code in (201, 409) for r in answers), [r.text for r in answers]
    created = sum(r.status_code == 201 for r in answers)
    assert created >= 1
    seqs = sorted([d["seq"] async for d in api.db.share_register.find({"member_id": member.id})])
    assert seqs == list(range(1, created + 1))


async def test_concurrent_registrations_of_one_email_create_one_account(api: Api) -> None:
    body = registration("twin@example.be")
    answers = await asyncio.gather(*(api.call("POST", "/api/v1/auth/register", json=body) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
    assert await api.db.members.count_documents({"email": "twin@example.be"}) == 1
    assert await api.db.credentials.count_documents({}) == 2  # the admin and the one account


async def test_concurrent_refreshes_of_one_token_leave_at_most_one_successor(api: Api) -> None:
    member = await api.member()
    answers = await asyncio.gather(*(api.call("POST", "/api/v1/auth/refresh",
                                              json={"refresh_token": member.refresh_token}) for _ in range(4)))
    assert sum(r.status_code == 200 for r in answers) <= 1
    active = await api.db.refresh_tokens.count_documents({"member_id": member.id, "status": "active"})
    assert active <= 1  # a race on one token is treated as reuse: the family ends
