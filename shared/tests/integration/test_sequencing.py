"""Consumers apply the events of one aggregate in commit order, whatever order
the broker delivers them in (shuffled, duplicated, handled concurrently)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.messaging.consumer import EventConsumer
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.sequencing import SEQUENCING_INDEXES, Sequencer, required_predecessor
from coop_shared.messaging.topology import Topology
from coop_shared.persistence.idempotency import PROCESSED_INDEXES, apply_once
from coop_shared.persistence.mongo import database, ensure_indexes, make_client
from coop_shared.testing.servers import Infrastructure, delete_queues

HANDLED = "tests.invoice.changed.v1"
OTHER = "tests.invoice.noted.v1"  # part of the aggregate's history, not bound to this consumer


def history(types: list[str], subject: str) -> list[Envelope]:
    """An aggregate's events as the outbox numbers them."""
    return [Envelope(type=t, source="invoicing", subject=subject, data={"n": i + 1}, sequence=i + 1,
                     priortypes=tuple(types[:i][-16:])) for i, t in enumerate(types)]


def test_the_predecessor_is_the_latest_earlier_event_of_a_handled_type() -> None:
    events = history([HANDLED, OTHER, OTHER, HANDLED, OTHER], "inv-1")
    assert [required_predecessor(e, {HANDLED}) for e in events] == [None, 1, 1, 1, 4]
    assert [required_predecessor(e, {OTHER}) for e in events] == [None, None, 2, 3, 3]


aggregate_histories = st.lists(
    st.lists(st.sampled_from([HANDLED, HANDLED, OTHER]), min_size=1, max_size=7), min_size=1, max_size=4)


def shuffled_deliveries(histories: list[list[str]], data: st.DataObject) -> tuple[list[Envelope], dict[str, list[int]]]:
    """The handled events of each history, with a few twins, in a drawn order; and each aggregate's order."""
    delivered: list[Envelope] = []
    expected: dict[str, list[int]] = {}
    for types in histories:
        subject = f"inv-{uuid.uuid4().hex[:8]}"
        events = [e for e in history(types, subject) if e.type == HANDLED]
        expected[subject] = [e.sequence or 0 for e in events]
        delivered.extend(events)
    duplicates = data.draw(st.lists(st.sampled_from(delivered), max_size=3)) if delivered else []
    order = data.draw(st.permutations(delivered + duplicates))
    return order, expected


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=aggregate_histories, data=st.data())
def test_shuffled_deliveries_are_applied_in_each_aggregates_order(
    infrastructure: Infrastructure, histories: list[list[str]], data: st.DataObject,
) -> None:
    order, expected = shuffled_deliveries(histories, data)
    asyncio.run(deliver_and_apply(infrastructure, order, expected))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=aggregate_histories, data=st.data())
def test_handlers_storing_with_apply_once_are_kept_in_order_by_the_number_they_commit(
    infrastructure: Infrastructure, histories: list[list[str]], data: st.DataObject,
) -> None:
    # The aggregate's applied number commits in the handler's own transaction (no separate write):
    # the order the effects were committed in is still each aggregate's order.
    order, expected = shuffled_deliveries(histories, data)
    asyncio.run(deliver_and_apply(infrastructure, order, expected, transactional=True))


async def test_the_applied_number_commits_with_the_effect_or_not_at_all(infrastructure: Infrastructure) -> None:
    commands: list[str] = []

    class Listener(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            commands.append(f"{event.command_name} {event.command.get(event.command_name, '')}".strip())

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            pass

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            pass

    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infrastructure.mongo_url, event_listeners=[Listener()])
    name = f"s{uuid.uuid4().hex[:10]}_seq"
    db = database(mongo, name)
    try:
        await ensure_indexes(db, [*SEQUENCING_INDEXES, *PROCESSED_INDEXES])
        sequencer = Sequencer(db, [HANDLED])
        first, second = history([HANDLED, HANDLED], "inv-atomic")

        def handler(fail: bool) -> Callable[[Envelope], Awaitable[None]]:
            async def handle(envelope: Envelope) -> None:
                async def effect(session: AsyncClientSession) -> None:
                    await db.effects.insert_one({"_id": envelope.id}, session=session)
                    if fail:
                        raise RuntimeError("the effect fails half way")

                await apply_once(mongo, db, handler="h", event_id=envelope.id, effect=effect)
            return handle

        commands.clear()
        await sequencer.apply(first, handler(fail=False))
        assert commands == ["insert processed_events", "insert effects", "update consumer_sequences",
                            "commitTransaction 1"]
        assert await sequencer.last("invoicing|inv-atomic") == 1
        with pytest.raises(RuntimeError):
            await sequencer.apply(second, handler(fail=True))
        assert await sequencer.last("invoicing|inv-atomic") == 1
        assert await db.effects.count_documents({}) == 1
        # A replay commits nothing; the number is still recorded (it only grows).
        commands.clear()
        await sequencer.apply(first, handler(fail=False))
        assert commands[-1] == "update consumer_sequences" and "commitTransaction 1" not in commands
        assert await sequencer.last("invoicing|inv-atomic") == 1
    finally:
        await mongo.drop_database(name)
        await mongo.close()


async def deliver_and_apply(infrastructure: Infrastructure, order: list[Envelope],
                            expected: dict[str, list[int]], *, transactional: bool = False) -> None:
    namespace = f"s{uuid.uuid4().hex[:10]}"
    mongo: Any = make_client(infrastructure.mongo_url, app_name="tests")
    db = database(mongo, f"{namespace}_seq")
    await ensure_indexes(db, SEQUENCING_INDEXES)
    topology = Topology(f"{namespace}.events", f"{namespace}.dlx", "notifications", 5, prefix=f"{namespace}.")
    connection = await aio_pika.connect_robust(infrastructure.amqp_url)
    applied: dict[str, list[int]] = {}
    seen: set[str] = set()
    total = sum(len(v) for v in expected.values())
    done = asyncio.Event()

    async def store(envelope: Envelope) -> None:
        await asyncio.sleep(0.001 * (hash(envelope.id) % 5))

        async def effect(session: AsyncClientSession) -> None:
            await db.applied.update_one({"_id": envelope.subject}, {"$push": {"order": envelope.sequence}},
                                        upsert=True, session=session)

        await apply_once(mongo, db, handler="tests", event_id=envelope.id, effect=effect)
        seen.add(envelope.id)
        if len(seen) >= total:
            done.set()

    async def handle(envelope: Envelope) -> None:
        await asyncio.sleep(0.001 * (hash(envelope.id) % 5))  # uneven handling times, as in life
        if envelope.id not in seen:  # an idempotent handler ignores the twin
            seen.add(envelope.id)
            applied.setdefault(envelope.subject or "", []).append(envelope.sequence or 0)
        if len(seen) >= total:
            done.set()

    # prefetch 16: the consumer handles up to 16 deliveries at once.
    if transactional:
        await ensure_indexes(db, PROCESSED_INDEXES)
    consumer = EventConsumer(connection, topology, {HANDLED: store if transactional else handle}, prefetch=16,
                             sequencer=Sequencer(db, [HANDLED], gap_seconds=60))
    try:
        await consumer.start()
        publisher = EventPublisher(connection, topology.exchange, service="tests")
        for envelope in order:
            await publisher.publish(envelope)
        if total:
            await asyncio.wait_for(done.wait(), timeout=30)
        if transactional:
            applied = {doc["_id"]: doc["order"] async for doc in db.applied.find({})}
        assert applied == {s: seqs for s, seqs in expected.items() if seqs}
        # A twin parked while its first delivery was being released is applied (and ignored) just after
        # the handler saw the last event: nothing stays parked, within the sweeper's round.
        for _ in range(100):
            if await db.parked_events.count_documents({}) == 0:
                break
            await asyncio.sleep(0.05)
        assert await db.parked_events.count_documents({}) == 0
        await publisher.close()
    finally:
        await consumer.stop()
        await connection.close()
        await mongo.drop_database(f"{namespace}_seq")
        await mongo.close()
        await asyncio.to_thread(delete_queues, infrastructure.amqp_url, [
            topology.queue, topology.dead_letter_queue, f"{topology.exchange}.unrouted"])
