"""The event pipeline against raw aio-pika on the same broker.

- platform: a use case commits a state change and its event through the
  outbox in one transaction; the relay publishes it (batched, pipelined
  confirms); the consumer applies it with ``apply_once`` (effect + marker in
  one transaction) and acks;
- raw: the same bodies published with confirms (pipelined) and consumed
  with manual acks, nothing stored.

Alternating rounds of N events each; then the platform path at half its
saturating rate, for the end-to-end latency (commit start → effect stored).

Usage: ``python -m bench.events [--events 600] [--rounds 3] [--producers 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from decimal import Decimal
from typing import ClassVar

import aio_pika
from pymongo.asynchronous.client_session import AsyncClientSession

from bench.support import percentile, ratio_line
from coop_shared.messaging.consumer import EventConsumer
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.sequencing import SEQUENCING_INDEXES, Sequencer
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.persistence.idempotency import PROCESSED_INDEXES, apply_once
from coop_shared.persistence.mongo import database, ensure_indexes, in_transaction, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox, OutboxRelay
from coop_shared.testing.servers import delete_queues, test_infrastructure


class Credited(EventPayload):
    event_type: ClassVar[str] = "bench.account.credited.v1"
    account: str
    amount: Decimal
    started: float


class Platform:
    def __init__(self, mongo_url: str, amqp_url: str, prefix: str) -> None:
        self.mongo = make_client(mongo_url, app_name="bench-events")
        self.db = database(self.mongo, f"{prefix.rstrip('.')}_events")
        self.amqp_url = amqp_url
        self.topology = Topology(f"{prefix}coop.events", f"{prefix}coop.dead-letter", "payroll", 5, prefix)
        self.outbox = Outbox(self.db)
        self.applied = 0
        self.latencies: list[float] = []
        self.done = asyncio.Event()
        self.target = 0

    async def start(self) -> None:
        await ensure_indexes(self.db, [*OUTBOX_INDEXES, *PROCESSED_INDEXES, *SEQUENCING_INDEXES])
        self.connection = await aio_pika.connect_robust(self.amqp_url)
        self.publisher = EventPublisher(self.connection, self.topology.exchange, service="bench")
        self.relay = OutboxRelay(self.db, self.publisher, self.outbox, service="bench", poll_seconds=0.05)

        async def handle(envelope: Envelope) -> None:
            event = envelope.payload(Credited)

            async def effect(session: AsyncClientSession) -> None:
                await self.db.ledger.update_one({"_id": event.account}, {"$inc": {"total": event.amount}},
                                                upsert=True, session=session)

            await apply_once(self.mongo, self.db, handler="bench.credit", event_id=envelope.id, effect=effect)
            self.latencies.append(time.time() - event.started)
            self.applied += 1
            if self.applied >= self.target:
                self.done.set()

        # As every service consumes: with a sequencer keeping each aggregate's order.
        self.consumer = EventConsumer(self.connection, self.topology, {Credited.event_type: handle}, prefetch=32,
                                      sequencer=Sequencer(self.db, [Credited.event_type]))
        await self.consumer.start()
        self.relay.start()

    async def commit(self, index: int) -> None:
        account = f"acc-{uuid.uuid4().hex[:12]}"
        event = new_event(Credited(account=account, amount=Decimal("1.00"), started=time.time()),
                          source="bench", subject=account)

        async def work(session: AsyncClientSession) -> None:
            await self.db.accounts.insert_one({"_id": account, "opened": index}, session=session)
            await self.outbox.add([event], session=session)

        await in_transaction(self.mongo, work)
        self.outbox.notify()

    async def round(self, count: int, producers: int) -> float:
        self.applied, self.target, self.latencies = 0, count, []
        self.done.clear()
        started = time.perf_counter()
        queue = iter(range(count))

        async def producer() -> None:
            for index in queue:
                await self.commit(index)

        await asyncio.gather(*(producer() for _ in range(producers)))
        await asyncio.wait_for(self.done.wait(), timeout=300)
        return count / (time.perf_counter() - started)

    async def paced(self, rate: float, seconds: float) -> list[float]:
        count = max(20, int(rate * seconds))
        self.applied, self.target, self.latencies = 0, count, []
        self.done.clear()
        started = time.perf_counter()
        tasks = []
        for index in range(count):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.commit(index)))
        await asyncio.gather(*tasks)
        await asyncio.wait_for(self.done.wait(), timeout=300)
        return list(self.latencies)

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.relay.stop()
        await self.publisher.close()
        await self.connection.close()
        await self.mongo.close()


async def raw_round(amqp_url: str, prefix: str, bodies: list[bytes], window: int = 100) -> float:
    """aio-pika alone: publish with confirms (pipelined in windows), consume with manual acks."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        topology = Topology(f"{prefix}raw.events", f"{prefix}raw.dead-letter", "notifications", 5, prefix)
        queue = await declare_consumer_queues(channel, topology, [Credited.event_type])
        exchange = await channel.get_exchange(topology.exchange)
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=32)
        consume_queue = await consume_channel.get_queue(queue.name)
        received = 0
        done = asyncio.Event()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received >= len(bodies):
                done.set()

        started = time.perf_counter()
        tag = await consume_queue.consume(on_message)
        for offset in range(0, len(bodies), window):
            await asyncio.gather(*(exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(uuid.uuid4())),
                routing_key=Credited.event_type, mandatory=True) for body in bodies[offset:offset + window]))
        await asyncio.wait_for(done.wait(), timeout=300)
        rate = len(bodies) / (time.perf_counter() - started)
        await consume_queue.cancel(tag)
        return rate
    finally:
        await connection.close()


async def measure(events: int, rounds: int, producers: int) -> dict[str, float]:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    with test_infrastructure() as infra:
        platform = Platform(infra.mongo_url, infra.amqp_url, prefix)
        await platform.start()
        try:
            bodies = [new_event(Credited(account=f"acc-{i}", amount=Decimal("1.00"), started=0), source="bench",
                                subject=f"acc-{i}").to_json() for i in range(events)]
            await platform.round(min(100, events), producers)  # warm up
            await raw_round(infra.amqp_url, prefix, bodies[:100])
            rates: dict[str, list[float]] = {"platform": [], "raw": []}
            for _ in range(rounds):
                rates["platform"].append(await platform.round(events, producers))
                rates["raw"].append(await raw_round(infra.amqp_url, prefix, bodies))
            platform_rate = statistics.mean(rates["platform"])
            raw_rate = statistics.mean(rates["raw"])
            latencies = await platform.paced(platform_rate / 2, 4.0)
        finally:
            await platform.stop()
            names = [f"{prefix}{s}.{k}" for s in ("payroll", "notifications") for k in ("events", "dead-letter")]
            await asyncio.to_thread(delete_queues, infra.amqp_url,
                                    [*names, f"{prefix}coop.events.unrouted", f"{prefix}raw.events.unrouted"])
    print(f"{events} events per round, {rounds} alternating rounds, {producers} concurrent producers")
    print(f"  platform (outbox → relay → broker → consumer with apply_once): {platform_rate:8.1f} events/s")
    print(f"  raw aio-pika (confirms + manual acks):                       {raw_rate:8.1f} events/s")
    print(f"  end-to-end latency at {platform_rate / 2:.0f} events/s (half saturation): "
          f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms")
    return {"events": platform_rate / raw_rate}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--producers", type=int, default=16)
    args = parser.parse_args(argv or [])
    return asyncio.run(measure(args.events, args.rounds, args.producers))


if __name__ == "__main__":
    for name, value in main(sys.argv[1:]).items():
        print(ratio_line(name, value))
