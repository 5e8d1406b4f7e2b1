"""The batching relay against the real broker and database: order per
aggregate, nothing lost, a dropped connection mid-batch, abandoned claims."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import urlparse

import aio_pika
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.messaging.consumer import EventConsumer
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.messaging.publisher import EventPublisher, PublishFailed
from coop_shared.messaging.topology import Topology
from coop_shared.persistence.idempotency import PROCESSED_INDEXES
from coop_shared.persistence.mongo import database, ensure_indexes, in_transaction, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox, OutboxRelay
from coop_shared.testing.servers import Infrastructure
from coop_shared.testing.tcp_proxy import TcpProxy


class Step(EventPayload):
    event_type: ClassVar[str] = "tests.order.stepped.v1"
    n: int


@pytest.fixture
async def mongo(infrastructure: Infrastructure) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = make_client(infrastructure.mongo_url, app_name="tests")
    yield client
    await client.close()


@pytest.fixture
async def db(mongo: AsyncMongoClient[dict[str, Any]], namespace: str) -> AsyncDatabase[dict[str, Any]]:
    database_ = database(mongo, f"{namespace}_relay")
    await ensure_indexes(database_, [*OUTBOX_INDEXES, *PROCESSED_INDEXES])
    return database_


def topology(namespace: str) -> Topology:
    return Topology(f"{namespace}.events", f"{namespace}.dlx", "payroll", 5, prefix=f"{namespace}.")


async def commit_steps(mongo: AsyncMongoClient[dict[str, Any]], outbox: Outbox, aggregates: list[str],
                       per_aggregate: int, *, per_commit: int = 1) -> list[Envelope]:
    """Interleaved commits: a1#1, a2#1, ..., a1#2, a2#2, ... (some commits hold several events)."""
    events: list[Envelope] = []
    for n in range(0, per_aggregate, per_commit):
        for aggregate in aggregates:
            batch = [new_event(Step(n=k), source="tests", subject=aggregate)
                     for k in range(n, min(n + per_commit, per_aggregate))]

            async def work(session: AsyncClientSession, batch: list[Envelope] = batch) -> None:
                await outbox.add(batch, session=session)

            await in_transaction(mongo, work)
            events.extend(batch)
    return events


async def collect(infrastructure: Infrastructure, topo: Topology,
                  received: list[Envelope]) -> tuple[aio_pika.abc.AbstractRobustConnection, EventConsumer]:
    connection = await aio_pika.connect_robust(infrastructure.amqp_url)

    async def handle(envelope: Envelope) -> None:
        received.append(envelope)

    # One at a time: this test looks at the broker's order, not the consumer's.
    consumer = EventConsumer(connection, topo, {Step.event_type: handle}, prefetch=1)
    await consumer.start()
    return connection, consumer


def first_seen_order(received: list[Envelope]) -> dict[str, list[int]]:
    seen: set[str] = set()
    order: dict[str, list[int]] = {}
    for envelope in received:
        if envelope.id in seen:
            continue  # at-least-once: a re-published twin after a lost confirm
        seen.add(envelope.id)
        assert envelope.subject is not None and envelope.sequence is not None
        order.setdefault(envelope.subject, []).append(envelope.sequence)
    return order


async def wait_for(predicate: Any, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_outbox_numbers_events_per_aggregate_in_commit_order(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
) -> None:
    outbox = Outbox(db)
    await commit_steps(mongo, outbox, ["inv-1", "inv-2"], 5, per_commit=2)
    docs = [d async for d in db.outbox.find({"aggregate": "inv-1"}).sort("sequence", 1)]
    assert [d["sequence"] for d in docs] == [1, 2, 3, 4, 5]
    last = Envelope.from_json(docs[-1]["body"].encode())
    assert last.sequence == 5 and last.priortypes == (Step.event_type,) * 4


async def commit_events(mongo: AsyncMongoClient[dict[str, Any]], outbox: Outbox, events: list[Envelope]) -> None:
    async def work(session: AsyncClientSession) -> None:
        await outbox.add(events, session=session)

    await in_transaction(mongo, work)


async def test_numbers_stay_gapless_with_many_aggregates_per_commit_and_concurrent_commits(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
) -> None:
    outbox = Outbox(db)

    async def commit(events: list[Envelope]) -> None:
        await commit_events(mongo, outbox, events)

    # A month-end style commit: many aggregates at once, two events for one of them.
    await commit([new_event(Step(n=i), source="tests", subject=f"m-{i % 50}") for i in range(51)])
    # Concurrent commits on one aggregate and on the bulk path.
    await asyncio.gather(*(commit([new_event(Step(n=i), source="tests", subject="m-0"),
                                   new_event(Step(n=i), source="tests", subject=f"m-{i + 1}")])
                           for i in range(8)))
    for subject, expected in (("m-0", 2 + 8), ("m-3", 2), ("m-49", 1)):
        docs = [d async for d in db.outbox.find({"aggregate": subject})]
        assert sorted(d["sequence"] for d in docs) == list(range(1, expected + 1)), subject


async def test_a_commit_over_many_aggregates_continues_each_ones_numbers(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
) -> None:
    # A second month-end: every worker already has numbers, read back in several slices.
    outbox = Outbox(db)

    async def commit(events: list[Envelope]) -> None:
        await commit_events(mongo, outbox, events)

    members = [f"w-{i}" for i in range(130)]
    await commit([new_event(Step(n=1), source="tests", subject=m) for m in members])
    await commit([new_event(Step(n=2), source="tests", subject=m) for m in [*members, "w-new"]])
    sequences = {(d["aggregate"], d["sequence"]) async for d in db.outbox.find({}, {"aggregate": 1, "sequence": 1})}
    assert sequences == {(m, n) for m in members for n in (1, 2)} | {("w-new", 1)}
    second = [Envelope.from_json(d["body"].encode()) async for d in db.outbox.find({"sequence": 2})]
    assert len(second) == 130 and all(e.priortypes == (Step.event_type,) for e in second)


async def test_batches_keep_each_aggregates_order_and_lose_nothing(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = topology(namespace)
    received: list[Envelope] = []
    connection, consumer = await collect(infrastructure, topo, received)
    outbox = Outbox(db)
    aggregates = [f"inv-{i}" for i in range(8)]
    events = await commit_steps(mongo, outbox, aggregates, 12, per_commit=3)
    relay = OutboxRelay(db, EventPublisher(connection, topo.exchange, service="tests"), outbox,
                        service="tests", poll_seconds=0.05, batch_size=10)
    relay.start()
    await wait_for(lambda: len({e.id for e in received}) >= len(events), 30)
    await relay.stop()
    order = first_seen_order(received)
    assert order == {a: list(range(1, 13)) for a in aggregates}
    assert await db.outbox.count_documents({"status": "pending"}) == 0
    await consumer.stop()
    await connection.close()


async def test_a_connection_dropped_mid_batch_loses_nothing_and_keeps_order(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = topology(namespace)
    received: list[Envelope] = []
    connection, consumer = await collect(infrastructure, topo, received)
    outbox = Outbox(db)
    aggregates = [f"inv-{i}" for i in range(20)]
    events = await commit_steps(mongo, outbox, aggregates, 25)

    broker = urlparse(infrastructure.amqp_url)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    proxied_url = infrastructure.amqp_url.replace(f"{broker.hostname}:{broker.port}", f"127.0.0.1:{proxy.port}")
    relay_connection = await aio_pika.connect_robust(proxied_url, reconnect_interval=0.2)
    relay = OutboxRelay(db, EventPublisher(relay_connection, topo.exchange, service="tests", timeout=2),
                        outbox, service="tests", poll_seconds=0.05, batch_size=50)
    relay.start()
    cuts = 0
    for threshold in (60, 200, 350):
        await wait_for(lambda t=threshold: len(received) >= t, 60)
        cuts += proxy.cut()  # the broker "drops" the relay's connection while a batch is in flight
    assert cuts >= 3
    await wait_for(lambda: len({e.id for e in received}) >= len(events), 90)
    await relay.stop()
    assert proxy.connections >= 4  # it did reconnect after each cut
    assert first_seen_order(received) == {a: list(range(1, 26)) for a in aggregates}
    assert await db.outbox.count_documents({"status": "pending"}) == 0
    await relay_connection.close()
    await proxy.stop()
    await consumer.stop()
    await connection.close()


class FailingOnce(EventPublisher):
    """Refuses the first publish of one event, as a nacking broker would."""

    def __init__(self, *args: Any, fail_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fail_id = fail_id
        self.failed = False

    async def publish(self, envelope: Envelope, body: bytes | None = None) -> None:
        if envelope.id == self._fail_id and not self.failed:
            self.failed = True
            raise PublishFailed("nacked", unroutable=True)
        await super().publish(envelope, body)


async def test_a_failed_publish_holds_back_its_aggregate_only(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = topology(namespace)
    received: list[Envelope] = []
    connection, consumer = await collect(infrastructure, topo, received)
    outbox = Outbox(db)
    events = await commit_steps(mongo, outbox, ["inv-a", "inv-b"], 3)
    first_of_a = next(e for e in events if e.subject == "inv-a")
    publisher = FailingOnce(connection, topo.exchange, service="tests", fail_id=first_of_a.id)
    relay = OutboxRelay(db, publisher, outbox, service="tests", poll_seconds=0.2)
    assert await relay.publish_pending_once() == 3  # b's three; a waits behind its failed first event
    await wait_for(lambda: len(received) >= 3, 10)
    assert [e.subject for e in received] == ["inv-b"] * 3
    assert await relay.publish_pending_once() == 0  # a#1 is backing off: a#2, a#3 stay behind it
    relay.start()
    await wait_for(lambda: len(received) >= 6, 10)
    await relay.stop()
    assert first_seen_order(received) == {"inv-a": [1, 2, 3], "inv-b": [1, 2, 3]}
    await consumer.stop()
    await connection.close()


async def test_an_abandoned_claim_is_taken_over_within_seconds(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = topology(namespace)
    received: list[Envelope] = []
    connection, consumer = await collect(infrastructure, topo, received)
    outbox = Outbox(db)
    events = await commit_steps(mongo, outbox, ["inv-z"], 2)
    publisher = EventPublisher(connection, topo.exchange, service="tests")
    crashed = OutboxRelay(db, publisher, outbox, service="tests", lease_seconds=1.0)
    assert len(await crashed._claim_batch()) == 2  # claimed, then the process died
    survivor = OutboxRelay(db, publisher, outbox, service="tests", poll_seconds=0.1)
    assert await survivor.publish_pending_once() == 0  # the lease is still running
    started = asyncio.get_running_loop().time()
    survivor.start()
    await wait_for(lambda: len(received) >= 2, 10)
    await survivor.stop()
    assert asyncio.get_running_loop().time() - started < 3
    assert [e.id for e in received] == [e.id for e in events]
    await consumer.stop()
    await connection.close()


class _ClaimedMeanwhile:
    """The relay's collection, where another relay claims its share between this relay's read and its claim."""

    def __init__(self, collection: Any, rival: OutboxRelay) -> None:
        self._collection, self._rival, self.rival_claimed = collection, rival, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        if not self.rival_claimed:
            self.rival_claimed = await self._rival._claim_batch()
        return await self._collection.update_many(*args, **kwargs)


async def test_a_claim_that_races_another_relay_publishes_only_what_it_holds(
    mongo: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
    infrastructure: Infrastructure, namespace: str,
) -> None:
    topo = topology(namespace)
    received: list[Envelope] = []
    connection, consumer = await collect(infrastructure, topo, received)
    outbox = Outbox(db)
    events = await commit_steps(mongo, outbox, ["inv-p", "inv-q", "inv-r", "inv-s"], 1)
    publisher = EventPublisher(connection, topo.exchange, service="tests")
    rival = OutboxRelay(db, publisher, outbox, service="tests", batch_size=2)
    relay = OutboxRelay(db, publisher, outbox, service="tests")
    raced = _ClaimedMeanwhile(relay._collection, rival)
    relay._collection = raced  # type: ignore[assignment]
    assert await relay.publish_pending_once() == 2  # read four, but the rival had claimed two first
    assert [d["_id"] for d in raced.rival_claimed] == [e.id for e in events[:2]]
    await wait_for(lambda: len(received) >= 2, 10)
    assert [e.id for e in received] == [e.id for e in events[2:]]
    assert await rival._publish_batch(raced.rival_claimed) == 2
    await wait_for(lambda: len(received) >= 4, 10)
    assert sorted(e.id for e in received) == sorted(e.id for e in events)  # each once
    assert await db.outbox.count_documents({"status": "pending"}) == 0
    await consumer.stop()
    await connection.close()
