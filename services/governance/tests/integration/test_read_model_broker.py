"""The read model fed by members and payroll events through the real broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import aio_pika

from coop_shared.contracts.members import MemberRegistered, MemberUpdated, ShareTransferred
from coop_shared.contracts.payroll import ContractCreated
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher

from .conftest import BEFORE_T0, T0, Gov, event, share_paid


async def _eventually(check: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the read model never caught up")
        await asyncio.sleep(0.05)


async def test_members_and_payroll_events_feed_the_electorates(gov: Gov) -> None:
    settings = gov.app.state.runtime.settings
    connection = await aio_pika.connect_robust(settings.amqp_url)
    publisher = EventPublisher(connection, settings.exchange_name, service="tests")
    paid = share_paid("ann")
    envelopes: list[Envelope] = [
        event(MemberRegistered(member_id="ann", email="ann@example.be", full_name="Ann Peeters")),
        event(MemberUpdated(member_id="ann", email="ann@example.be", full_name="Ann Peeters-Claes", language="nl"),
              at=datetime.now(UTC) + timedelta(seconds=1)),
        event(paid),
        event(paid),  # the same share announced twice (a producer retry): counted once
        event(share_paid("bob", quantity=3)),
        event(ShareTransferred(transfer_id=str(uuid.uuid4()), category="A", quantity=1, amount=Decimal(30),
                               from_member_id="ann", from_shares_paid=0, from_in_good_standing=False,
                               to_member_id="cas", to_shares_paid=1, to_in_good_standing=True),
              at=T0 - timedelta(days=1)),
        event(ContractCreated(contract_id="c-1", member_id="wim", activity_id="a-1", basis="employment",
                              first_day=date(2026, 2, 2), last_day=date(2026, 2, 6), work_days=5,
                              dimona_reference="D-1")),
    ]
    redelivered = envelopes[4]
    for envelope in [*envelopes, redelivered]:  # the broker may deliver an event twice
        await publisher.publish(envelope)
    # A payload that can never be applied goes to the dead-letter queue; the rest keeps flowing.
    broken = Envelope(type="members.share.paid.v1", source="tests", data={"member_id": "x", "quantity": "many"})
    await publisher.publish(broken)
    await publisher.publish(event(share_paid("dan", on=BEFORE_T0)))

    db = gov.db

    async def caught_up() -> bool:
        return (await db.share_entries.count_documents({"member_id": "dan"}) == 1
                and await db.employment_contracts.count_documents({}) == 1
                and await db.member_directory.count_documents({}) == 1
                and await db.share_entries.count_documents({}) == 5)

    await _eventually(caught_up)
    assert await db.share_entries.count_documents({"member_id": "bob"}) == 1
    name = await db.member_directory.find_one({"_id": "ann"})
    assert name is not None and name["full_name"] == "Ann Peeters-Claes"

    async def parked() -> bool:
        ready = await gov.client.get("/health/ready")
        return bool(ready.json()["checks"]["rabbitmq"]["dead_letters"] == 1)

    await _eventually(parked)

    general = await gov.create()
    workers = await gov.create(kind="workers")
    await gov.convene(general["id"])
    await gov.convene(workers["id"])
    electorate = await gov.client.get(f"/api/v1/assemblies/{general['id']}/electorate", headers=gov.admin)
    # ann gave her only share to cas the day before convocation.
    assert [e["member_id"] for e in electorate.json()["items"]] == ["bob", "cas", "dan"]
    workers_electorate = await gov.client.get(f"/api/v1/assemblies/{workers['id']}/electorate", headers=gov.admin)
    assert [e["member_id"] for e in workers_electorate.json()["items"]] == ["wim"]
    await publisher.close()
    await connection.close()
