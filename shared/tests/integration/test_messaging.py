"""Messaging against the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import ClassVar
from urllib.parse import unquote, urlparse

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection

from coop_shared.messaging.consumer import EventConsumer, PermanentError
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.messaging.publisher import EventPublisher, PublishFailed
from coop_shared.messaging.topology import Topology, dead_letter_count, unrouted_count
from coop_shared.testing.servers import Infrastructure, rabbitmqctl


class Ping(EventPayload):
    event_type: ClassVar[str] = "tests.ping.sent.v1"
    n: int


class Boom(EventPayload):
    event_type: ClassVar[str] = "tests.boom.sent.v1"


@pytest.fixture
async def connection(infrastructure: Infrastructure) -> AsyncIterator[AbstractRobustConnection]:
    conn = await aio_pika.connect_robust(infrastructure.amqp_url, heartbeat=5)
    yield conn
    await conn.close()


def topology(namespace: str, limit: int = 3) -> Topology:
    return Topology(f"{namespace}.events", f"{namespace}.dlx", "svc", limit, prefix=f"{namespace}.")


async def wait_until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_an_event_no_queue_takes_is_kept_by_the_alternate_exchange_and_counted(
    connection: AbstractRobustConnection, namespace: str,
) -> None:
    publisher = EventPublisher(connection, f"{namespace}.events", service="svc", timeout=5)
    await publisher.publish(new_event(Ping(n=1), source="tests"))  # confirmed, not returned
    await publisher.publish(new_event(Ping(n=2), source="tests"))
    channel = await connection.channel()
    deadline = asyncio.get_running_loop().time() + 10
    while (count := await unrouted_count(channel, f"{namespace}.events")) < 2:
        assert asyncio.get_running_loop().time() < deadline, count
        await asyncio.sleep(0.1)
    assert count == 2
    queue = await channel.get_queue(f"{namespace}.events.unrouted")
    message = await queue.get(timeout=5)
    assert message is not None and message.routing_key == Ping.event_type
    await message.ack()
    await channel.close()
    await publisher.close()


async def test_confirmed_event_reaches_consumer(connection: AbstractRobustConnection, namespace: str) -> None:
    received: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        received.append(envelope)

    topo = topology(namespace)
    consumer = EventConsumer(connection, topo, {Ping.event_type: handle}, prefetch=4)
    await consumer.start()
    publisher = EventPublisher(connection, topo.exchange, service="svc")
    event = new_event(Ping(n=7), source="tests", subject="s-1")
    await publisher.publish(event)
    await wait_until(lambda: len(received) == 1)
    assert received[0].id == event.id
    assert received[0].payload(Ping).n == 7
    assert received[0].subject == "s-1"
    await consumer.stop()
    await publisher.close()


async def test_failing_message_is_dead_lettered_while_others_flow(
    connection: AbstractRobustConnection, namespace: str
) -> None:
    attempts: dict[str, int] = {}
    handled: list[int] = []

    async def flaky(envelope: Envelope) -> None:
        attempts[envelope.id] = attempts.get(envelope.id, 0) + 1
        raise RuntimeError("database unreachable")  # transient kind: retried, then parked

    async def ok(envelope: Envelope) -> None:
        handled.append(envelope.payload(Ping).n)

    topo = topology(namespace, limit=3)
    consumer = EventConsumer(connection, topo, {Boom.event_type: flaky, Ping.event_type: ok},
                             prefetch=8, retry_backoff_seconds=0.01)
    await consumer.start()
    publisher = EventPublisher(connection, topo.exchange, service="svc")
    bad = new_event(Boom(), source="tests")
    await publisher.publish(bad)
    for n in range(5):
        await publisher.publish(new_event(Ping(n=n), source="tests"))
    await wait_until(lambda: sorted(handled) == [0, 1, 2, 3, 4])

    channel = await connection.channel()
    async def parked() -> int:
        return await dead_letter_count(channel, topo)
    deadline = asyncio.get_running_loop().time() + 10
    while await parked() < 1:
        assert asyncio.get_running_loop().time() < deadline, "message never reached the dead-letter queue"
        await asyncio.sleep(0.1)
    assert attempts[bad.id] == 3  # exactly the delivery limit, then parked
    dlq = await channel.declare_queue(topo.dead_letter_queue, passive=True)
    message = await dlq.get(timeout=5)
    assert message is not None and message.message_id == bad.id
    await message.ack()
    await channel.close()
    await consumer.stop()
    await publisher.close()


async def test_permanent_error_is_dead_lettered_at_once(connection: AbstractRobustConnection,
                                                       namespace: str) -> None:
    calls = 0

    async def bad_data(envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("amount is negative")

    topo = topology(namespace, limit=5)
    consumer = EventConsumer(connection, topo, {Boom.event_type: bad_data}, retry_backoff_seconds=0.01)
    await consumer.start()
    publisher = EventPublisher(connection, topo.exchange, service="svc")
    await publisher.publish(new_event(Boom(), source="tests"))
    channel = await connection.channel()
    deadline = asyncio.get_running_loop().time() + 10
    while await dead_letter_count(channel, topo) < 1:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    assert calls == 1
    await channel.close()
    await consumer.stop()
    await publisher.close()


async def test_publishing_and_consuming_resume_after_connections_are_closed(
    connection: AbstractRobustConnection, namespace: str, infrastructure: Infrastructure
) -> None:
    received: list[int] = []

    async def handle(envelope: Envelope) -> None:
        received.append(envelope.payload(Ping).n)

    topo = topology(namespace)
    consumer = EventConsumer(connection, topo, {Ping.event_type: handle})
    await consumer.start()
    publisher = EventPublisher(connection, topo.exchange, service="svc", timeout=5)
    await publisher.publish(new_event(Ping(n=1), source="tests"))
    await wait_until(lambda: received == [1])

    vhost = unquote(urlparse(infrastructure.amqp_url).path.lstrip("/")) or "/"
    result = rabbitmqctl("close_all_connections", "-p", vhost, "test: broker-side close")
    assert result.returncode == 0, result.stderr
    await wait_until(lambda: not connection.connected.is_set(), timeout=10)

    # The robust connection reconnects and restores channels, queues and the consumer.
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            await publisher.publish(new_event(Ping(n=2), source="tests"))
            break
        except PublishFailed:
            assert asyncio.get_running_loop().time() < deadline, "publishing did not resume"
            await asyncio.sleep(0.5)
    await wait_until(lambda: 2 in received, timeout=30)
    await consumer.stop()
    await publisher.close()


async def test_stop_lets_in_flight_work_finish_and_takes_no_more(connection: AbstractRobustConnection,
                                                                 namespace: str) -> None:
    started = asyncio.Event()
    finished: list[int] = []

    async def slow(envelope: Envelope) -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(envelope.payload(Ping).n)

    topo = topology(namespace)
    consumer = EventConsumer(connection, topo, {Ping.event_type: slow}, prefetch=1)
    await consumer.start()
    publisher = EventPublisher(connection, topo.exchange, service="svc")
    await publisher.publish(new_event(Ping(n=1), source="tests"))
    await publisher.publish(new_event(Ping(n=2), source="tests"))
    await asyncio.wait_for(started.wait(), 10)
    await consumer.stop()
    assert finished == [1]  # the in-flight message completed before stop returned
    # The second was never taken (prefetch 1) or went back unacked: it is still queued.
    channel = await connection.channel()
    queue = await channel.declare_queue(topo.queue, passive=True)
    message = await queue.get(timeout=5, fail=False)
    assert message is not None and message.message_id is not None
    assert Envelope.from_json(message.body).payload(Ping).n == 2
    await message.ack()
    await channel.close()
    await publisher.close()
