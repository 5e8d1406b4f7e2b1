"""MongoDB-wire server: money, indexes, idempotent effects, the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, ClassVar

import aio_pika
import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.messaging.consumer import EventConsumer
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.topology import Topology, unrouted_count
from coop_shared.persistence.idempotency import PROCESSED_INDEXES, apply_once
from coop_shared.persistence.mongo import database, ensure_indexes, in_transaction, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox, OutboxRelay
from coop_shared.testing.servers import Infrastructure


class Deposited(EventPayload):
    event_type: ClassVar[str] = "tests.account.deposited.v1"
    amount: Decimal


@pytest.fixture
async def mongo(infrastructure: Infrastructure) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = make_client(infrastructure.mongo_url, app_name="tests")
    yield client
    await client.close()


@pytest.fixture
async def db(mongo: AsyncMongoClient[dict[str, Any]], namespace: str) -> AsyncDatabase[dict[str, Any]]:
    database_ = database(mongo, f"{namespace}_shared")
    await ensure_indexes(database_, [*OUTBOX_INDEXES, *PROCESSED_INDEXES])
    return database_


async def test_decimal_round_trip_is_exact(db: AsyncDatabase[dict[str, Any]]) -> None:
    await db.money.insert_one({"_id": 1, "amount": Decimal("0.10") + Decimal("0.20")})
    doc = await db.money.find_one({"_id": 1})
    assert doc is not None
    assert doc["amount"] == Decimal("0.30")
    assert isinstance(doc["amount"], Decimal)
    # Server-side arithmetic stays decimal too.
    await db.money.update_one({"_id": 1}, {"$inc": {"amount": Decimal("0.01")}})
    doc = await db.money.find_one({"_id": 1})
    assert doc is not None and str(doc["amount"]) == "0.31"


async def test_a_value_decimal128_cannot_hold_is_refused_not_rounded(db: AsyncDatabase[dict[str, Any]]) -> None:
    with pytest.raises(Exception, match=r"[Ii]nexact|cannot be represented|digits"):
        await db.money.insert_one({"amount": Decimal("1." + "1" * 40)})


async def test_apply_once_ignores_a_replayed_event(mongo: AsyncMongoClient[dict[str, Any]],
                                                   db: AsyncDatabase[dict[str, Any]]) -> None:
    async def effect(session: AsyncClientSession) -> None:
        await db.balance.update_one({"_id": "a"}, {"$inc": {"total": Decimal("10.00")}}, upsert=True,
                                    session=session)

    results = await asyncio.gather(*(apply_once(mongo, db, handler="h", event_id="evt-1", effect=effect)
                                     for _ in range(5)))
    assert results.count(True) == 1
    assert await apply_once(mongo, db, handler="h", event_id="evt-1", effect=effect) is False
    doc = await db.balance.find_one({"_id": "a"})
    assert doc is not None and doc["total"] == Decimal("10.00")


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(f"{event.command_name} {event.command.get(event.command_name, '')}".strip())

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_first_delivery_costs_one_transaction_and_nothing_else(
    infrastructure: Infrastructure, db: AsyncDatabase[dict[str, Any]],
) -> None:
    commands = _Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infrastructure.mongo_url, event_listeners=[commands])
    try:
        watched = database(client, db.name)
        await watched.command("ping")
        commands.names.clear()

        async def effect(session: AsyncClientSession) -> None:
            await watched.balance.update_one({"_id": "c"}, {"$inc": {"total": Decimal("1.00")}}, upsert=True,
                                             session=session)

        assert await apply_once(client, watched, handler="h", event_id="evt-3", effect=effect) is True
        assert commands.names == ["insert processed_events", "update balance", "commitTransaction 1"]
        commands.names.clear()
        assert await apply_once(client, watched, handler="h", event_id="evt-3", effect=effect) is False
        assert "update balance" not in commands.names
    finally:
        await client.close()


async def test_a_failed_effect_leaves_no_marker(mongo: AsyncMongoClient[dict[str, Any]],
                                                db: AsyncDatabase[dict[str, Any]]) -> None:
    async def failing(session: AsyncClientSession) -> None:
        await db.balance.insert_one({"_id": "b", "total": Decimal("1")}, session=session)
        raise RuntimeError("crash mid-effect")

    with pytest.raises(RuntimeError):
        await apply_once(mongo, db, handler="h", event_id="evt-2", effect=failing)
    assert await db.balance.find_one({"_id": "b"}) is None

    async def succeeding(session: AsyncClientSession) -> None:
        await db.balance.insert_one({"_id": "b", "total": Decimal("1")}, session=session)

    assert await apply_once(mongo, db, handler="h", event_id="evt-2", effect=succeeding) is True


async def _change_with_event(mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
                             outbox: Outbox, amount: str) -> Envelope:
    event = new_event(Deposited(amount=Decimal(amount)), source="tests")

    async def work(session: AsyncClientSession) -> None:
        await db.accounts.insert_one({"_id": event.id, "amount": Decimal(amount)}, session=session)
        await outbox.add([event], session=session)

    await in_transaction(mongo, work)
    return event


async def test_state_change_and_event_commit_together(mongo: AsyncMongoClient[dict[str, Any]],
                                                      db: AsyncDatabase[dict[str, Any]]) -> None:
    outbox = Outbox(db)
    event = new_event(Deposited(amount=Decimal("5")), source="tests")

    async def work(session: AsyncClientSession) -> None:
        await db.accounts.insert_one({"_id": "x"}, session=session)
        await outbox.add([event], session=session)
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await in_transaction(mongo, work)
    assert await db.accounts.count_documents({}) == 0
    assert await db.outbox.count_documents({}) == 0


async def _consume(infrastructure: Infrastructure, topo: Topology,
                   received: list[Envelope]) -> tuple[aio_pika.abc.AbstractRobustConnection, EventConsumer]:
    connection = await aio_pika.connect_robust(infrastructure.amqp_url)

    async def handle(envelope: Envelope) -> None:
        received.append(envelope)

    consumer = EventConsumer(connection, topo, {Deposited.event_type: handle})
    await consumer.start()
    return connection, consumer


async def test_relay_publishes_what_a_stopped_relay_left_pending(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = Topology(f"{namespace}.events", f"{namespace}.dlx", "ledger", 3, prefix=f"{namespace}.")
    received: list[Envelope] = []
    connection, consumer = await _consume(infrastructure, topo, received)
    outbox = Outbox(db)

    # No relay running (as after a crash): the change leaves a pending event.
    event = await _change_with_event(mongo, db, outbox, "12.34")
    pending = await db.outbox.find_one({"_id": event.id})
    assert pending is not None and pending["status"] == "pending"

    publisher = EventPublisher(connection, topo.exchange, service="tests")
    relay = OutboxRelay(db, publisher, outbox, service="tests", poll_seconds=0.05)
    relay.start()
    for _ in range(100):
        doc = await db.outbox.find_one({"_id": event.id})
        if doc and doc["status"] == "sent" and received:
            break
        await asyncio.sleep(0.05)
    await relay.stop()
    assert [e.id for e in received] == [event.id]
    assert received[0].payload(Deposited).amount == Decimal("12.34")
    doc = await db.outbox.find_one({"_id": event.id})
    assert doc is not None and doc["status"] == "sent" and doc["sent_at"] is not None
    await consumer.stop()
    await connection.close()


async def test_nothing_is_lost_when_the_broker_is_down_during_the_change(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    outbox = Outbox(db)
    topo = Topology(f"{namespace}.events", f"{namespace}.dlx", "ledger", 3, prefix=f"{namespace}.")
    closed = await aio_pika.connect_robust(infrastructure.amqp_url)
    down_publisher = EventPublisher(closed, topo.exchange, service="tests", timeout=1)
    await closed.close()  # the broker is unreachable for this publisher
    down_relay = OutboxRelay(db, down_publisher, outbox, service="tests", poll_seconds=0.05)

    event = await _change_with_event(mongo, db, outbox, "99.99")
    assert await down_relay.publish_pending_once() == 0
    doc = await db.outbox.find_one({"_id": event.id})
    assert doc is not None and doc["status"] == "pending" and doc["attempts"] == 1
    assert "lease_owner" not in doc

    # The broker is back: a relay publishes it once the back-off has passed.
    received: list[Envelope] = []
    connection, consumer = await _consume(infrastructure, topo, received)
    relay = OutboxRelay(db, EventPublisher(connection, topo.exchange, service="tests"), outbox,
                        service="tests", poll_seconds=0.05)
    relay.start()
    for _ in range(200):
        if received:
            break
        await asyncio.sleep(0.05)
    await relay.stop()
    assert [e.id for e in received] == [event.id]
    await consumer.stop()
    await connection.close()


async def test_two_relays_never_publish_the_same_event_twice_at_once(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = Topology(f"{namespace}.events", f"{namespace}.dlx", "ledger", 3, prefix=f"{namespace}.")
    received: list[Envelope] = []
    connection, consumer = await _consume(infrastructure, topo, received)
    outbox = Outbox(db)
    events = [await _change_with_event(mongo, db, outbox, f"{i}.00") for i in range(30)]
    relays = [OutboxRelay(db, EventPublisher(connection, topo.exchange, service="tests"), outbox,
                          service="tests", poll_seconds=0.05) for _ in range(2)]
    counts = await asyncio.gather(*(r.publish_pending_once() for r in relays))
    assert sum(counts) == 30
    for _ in range(100):
        if len(received) >= 30:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert sorted(e.id for e in received) == sorted(e.id for e in events)
    await consumer.stop()
    await connection.close()


async def test_an_event_no_consumer_takes_is_sent_to_the_alternate_exchange_at_once(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    class Orphan(EventPayload):
        event_type: ClassVar[str] = "tests.orphan.happened.v1"  # no queue is bound for it

    topo = Topology(f"{namespace}.events", f"{namespace}.dlx", "ledger", 3, prefix=f"{namespace}.")
    received: list[Envelope] = []
    connection, consumer = await _consume(infrastructure, topo, received)
    outbox = Outbox(db)
    orphan = new_event(Orphan(), source="tests")

    async def work(session: AsyncClientSession) -> None:
        await outbox.add([orphan], session=session)

    await in_transaction(mongo, work)
    after = await _change_with_event(mongo, db, outbox, "1.00")
    relay = OutboxRelay(db, EventPublisher(connection, topo.exchange, service="tests"), outbox,
                        service="tests", poll_seconds=0.05)
    assert await relay.publish_pending_once() == 2  # neither waits: no retries, no parking later
    for _ in range(100):
        if received:
            break
        await asyncio.sleep(0.05)
    assert [e.id for e in received] == [after.id]
    stored = await db.outbox.find_one({"_id": orphan.id})
    assert stored is not None and stored["status"] == "sent" and stored["attempts"] == 0
    channel = await connection.channel()
    assert await unrouted_count(channel, topo.exchange) == 1
    await channel.close()
    await consumer.stop()
    await connection.close()
