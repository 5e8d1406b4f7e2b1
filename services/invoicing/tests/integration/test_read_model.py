"""The read model of members, activities and budgets, fed by other services' events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aio_pika

from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher

from .conftest import Platform, line


async def _eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the event was never applied"
        await asyncio.sleep(0.05)


def _envelope(event_type: str, data: dict[str, Any], source: str = "members") -> Envelope:
    return Envelope(type=event_type, source=source, data=data)


async def test_members_events_through_the_broker_let_a_member_invoice(platform: Platform) -> None:
    settings = platform.ctx.settings
    connection = await aio_pika.connect_robust(settings.amqp_url)
    publisher = EventPublisher(connection, settings.exchange_name, service="members")
    member, activity = f"m-{uuid.uuid4().hex[:6]}", f"a-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC).isoformat()
    try:
        for envelope in [
            _envelope("members.member.registered.v1", {"member_id": member, "email": "ada@example.be",
                                                       "full_name": "Ada", "language": "en", "role": "member",
                                                       "iban": "BE71096123456769", "registered_at": now}),
            _envelope("members.member.advisor_assigned.v1", {"member_id": member, "advisor_id": "adv-9",
                                                             "previous_advisor_id": None}),
            _envelope("members.share.paid.v1", {
                "member_id": member, "shares_paid": 1, "shares_required": 1, "in_good_standing": True,
                "usage_started_on": None, "entry_id": "e1", "subscription_id": "s1", "category": "A",
                "quantity": 1, "amount": "30.00", "paid_at": now}),
            _envelope("members.activity.opened.v1", {
                "activity_id": activity, "name": "Studio Ada", "sector": "digital", "owner_id": member,
                "co_manager_ids": [], "kind": "individual", "budget_manager_id": member, "status": "open",
                "opened_at": now}),
            _envelope("payroll.budget.changed.v1", {"activity_id": activity, "available_budget": "1250.40",
                                                    "ledger_sequence": 3}, source="payroll"),
        ]:
            await publisher.publish(envelope)
    finally:
        await publisher.close()
        await connection.close()
    model = platform.ctx.read_model

    async def applied() -> bool:
        return await model.activity(activity) is not None and await model.budget(activity) is not None and (
            (m := await model.member(member)) is not None and m.shares_paid == 1 and m.advisor_id == "adv-9")

    await _eventually(applied)
    headers = platform.auth(member)
    client = await platform.client(headers, activity)
    invoice = await platform.issued(headers, activity, client["id"], [line()])
    assert invoice["activity_name"] == "Studio Ada"
    assert (await platform.http.get(f"/api/v1/invoices/{invoice['id']}",
                                    headers=platform.auth("adv-9", "advisor"))).status_code == 200
    assert await model.budget(activity) == (Decimal("1250.40"), 3)


async def test_updates_apply_in_event_time_order_and_once(platform: Platform) -> None:
    owner, helper = await platform.member(), await platform.member()
    activity = f"a-{uuid.uuid4().hex[:6]}"
    base = datetime.now(UTC)
    state = {"activity_id": activity, "name": "Atelier", "sector": "crafts", "owner_id": owner, "kind": "individual",
             "status": "open"}
    # The update (later) arrives before the opening (earlier): the later state wins.
    await platform.deliver("members.activity.updated.v1", {**state, "co_manager_ids": [helper], "name": "Atelier 2"},
                           time=base + timedelta(seconds=5))
    await platform.deliver("members.activity.opened.v1", {**state, "co_manager_ids": [], "opened_at": base.isoformat()},
                           time=base)
    record = await platform.ctx.read_model.activity(activity)
    assert record is not None and (record.name, record.co_manager_ids) == ("Atelier 2", (helper,))
    # A redelivered event (same id) is applied once.
    event_id = str(uuid.uuid4())
    closed = {**state, "co_manager_ids": [helper], "name": "Atelier 2", "status": "closed",
              "closed_at": base.isoformat()}
    for _ in range(3):
        await platform.deliver("members.activity.closed.v1", closed, time=base + timedelta(seconds=9),
                               event_id=event_id)
    assert await platform.runtime.db.processed_events.count_documents({"event_id": event_id}) == 1
    assert (await platform.ctx.read_model.activity(activity)).status == "closed"  # type: ignore[union-attr]


async def test_budget_applies_only_newer_ledger_sequences(platform: Platform) -> None:
    activity = "a-budget"
    for available, sequence in (("100.00", 5), ("80.00", 3), ("100.00", 5), ("42.10", 7), ("999.00", 6)):
        await platform.deliver("payroll.budget.changed.v1", {"activity_id": activity, "available_budget": available,
                                                             "ledger_sequence": sequence})
    assert await platform.ctx.read_model.budget(activity) == (Decimal("42.10"), 7)


async def test_transfers_resignations_and_erasure_move_good_standing(platform: Platform) -> None:
    giver, taker = await platform.member(shares_paid=2), await platform.member(shares_paid=0)
    await platform.deliver("members.share.transferred.v1", {
        "transfer_id": "t1", "category": "A", "quantity": 1, "amount": "30.00", "from_member_id": giver,
        "from_shares_paid": 1, "from_in_good_standing": True, "to_member_id": taker, "to_shares_paid": 1,
        "to_in_good_standing": True})
    model = platform.ctx.read_model
    today = platform.ctx.clock.today()
    assert (await model.member(taker)).in_good_standing(today)  # type: ignore[union-attr]
    await platform.deliver("members.member.erased.v1", {"member_id": taker, "erased_at": datetime.now(UTC).isoformat(),
                                                        "restricted": ["invoices"]})
    erased = await model.member_doc(taker)
    assert erased is not None and "email" not in erased and "full_name" not in erased
    assert not (await model.member(taker)).in_good_standing(today)  # type: ignore[union-attr]


async def test_a_malformed_event_is_dead_lettered_and_the_rest_flows(platform: Platform) -> None:
    settings = platform.ctx.settings
    connection = await aio_pika.connect_robust(settings.amqp_url)
    publisher = EventPublisher(connection, settings.exchange_name, service="members")
    try:
        await publisher.publish(_envelope("members.share.paid.v1", {"member_id": "m-bad"}))  # fields missing
        await publisher.publish(_envelope("payroll.budget.changed.v1", {
            "activity_id": "a-after", "available_budget": "1.00", "ledger_sequence": 1}, source="payroll"))
    finally:
        await publisher.close()
        await connection.close()

    async def flowed() -> bool:
        return await platform.ctx.read_model.budget("a-after") is not None

    await _eventually(flowed)

    async def parked() -> bool:
        ready = (await platform.http.get("/health/ready")).json()
        return bool(ready["checks"]["rabbitmq"].get("dead_letters") == 1)

    await _eventually(parked)
    assert await platform.ctx.read_model.member("m-bad") is None
