"""Exchanges and queues, declared the same way by every service.

- one durable topic exchange for all events, routing key = event type;
- one quorum queue per consuming service (``<service>.events``) bound to the
  event types it handles, with a delivery limit and a dead-letter exchange;
- one dead-letter queue per service (``<service>.dead-letter``), where
  messages that failed too often are parked for ops;
- an alternate exchange on the events exchange (``<exchange>.unrouted``,
  fanout, with a queue of the same name): an event whose type no consumer
  queue is bound to yet is kept there at once, counted, and shown by
  ``/health/ready``, instead of being retried by the relay. Replaying it is
  a shovel from that queue back to the events exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue


@dataclass(frozen=True)
class Topology:
    exchange: str
    dead_letter_exchange: str
    service: str
    delivery_limit: int
    prefix: str = ""

    @property
    def queue(self) -> str:
        return f"{self.prefix}{self.service}.events"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.prefix}{self.service}.dead-letter"

    def queue_arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.service,
            # at-least-once dead-lettering: a parked message is never lost on
            # the way to the dead-letter queue (needs reject-publish overflow).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }


def unrouted_name(exchange: str) -> str:
    return f"{exchange}.unrouted"


async def declare_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    """The events exchange with its alternate exchange and queue. Every
    declaration passes the same arguments (RabbitMQ refuses a redeclaration
    that differs)."""
    unrouted = unrouted_name(name)
    alternate = await channel.declare_exchange(unrouted, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(unrouted, durable=True, arguments={"x-queue-type": "quorum"})
    await queue.bind(alternate)
    return await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True,
                                          arguments={"alternate-exchange": unrouted})


async def declare_consumer_queues(channel: AbstractChannel, topology: Topology,
                                  routing_keys: list[str]) -> AbstractQueue:
    exchange = await declare_exchange(channel, topology.exchange)
    dlx = await channel.declare_exchange(topology.dead_letter_exchange, aio_pika.ExchangeType.DIRECT,
                                         durable=True)
    dlq = await channel.declare_queue(topology.dead_letter_queue, durable=True,
                                      arguments={"x-queue-type": "quorum"})
    await dlq.bind(dlx, routing_key=topology.service)
    queue = await channel.declare_queue(topology.queue, durable=True, arguments=topology.queue_arguments())
    for key in routing_keys:
        await queue.bind(exchange, routing_key=key)
    return queue


async def queue_depth(channel: AbstractChannel, queue: str) -> int:
    # A fresh passive declare on the underlying channel: aio-pika keeps the
    # first declaration's result, which would freeze the count.
    underlay = await channel.get_underlay_channel()
    result = await underlay.queue_declare(queue, passive=True)
    return int(result.message_count or 0)


async def dead_letter_count(channel: AbstractChannel, topology: Topology) -> int:
    return await queue_depth(channel, topology.dead_letter_queue)


async def unrouted_count(channel: AbstractChannel, exchange: str) -> int:
    """Events that no consumer queue took, kept by the alternate exchange."""
    return await queue_depth(channel, unrouted_name(exchange))
