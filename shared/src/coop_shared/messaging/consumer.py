"""Consuming events: manual acks after the effect is stored.

Policy, per message:
- handled without error → ack;
- :class:`PermanentError`, a malformed envelope or a payload that does not
  validate → rejected without requeue: retrying cannot help, so the message
  goes straight to the service's dead-letter queue;
- any other exception (a database or network hiccup) → requeued after a
  short back-off, up to ``delivery_limit`` deliveries in all; the last
  failing delivery is dead-lettered. The queue's ``x-delivery-limit`` is the
  broker-side backstop for a consumer that dies mid-message.
Handlers must be idempotent (see ``coop_shared.persistence.idempotency``):
delivery is at-least-once.

With a :class:`~coop_shared.messaging.sequencing.Sequencer`, the events of
one aggregate are applied in commit order: an event that arrives before its
predecessor is parked and applied right after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel, AbstractRobustConnection
from opentelemetry.trace import SpanKind, Tracer
from pydantic import ValidationError

from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.sequencing import Sequencer, aggregate_key
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.observability.context import bind_ids
from coop_shared.observability.logging import get_logger
from coop_shared.observability.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED
from coop_shared.observability.tracing import continued_span, get_tracer

log = get_logger("consumer")

Handler = Callable[[Envelope], Awaitable[None]]


class PermanentError(Exception):
    """Raise from a handler when the event can never be processed (bad data)."""


class EventConsumer:
    def __init__(self, connection: AbstractRobustConnection, topology: Topology,
                 handlers: Mapping[str, Handler], *, prefetch: int = 16,
                 retry_backoff_seconds: float = 0.2, sequencer: Sequencer | None = None,
                 tracer: Tracer | None = None) -> None:
        self._connection = connection
        self._tracer = tracer or get_tracer(None)
        self._topology = topology
        self._handlers = dict(handlers)
        self._prefetch = prefetch
        self._backoff = retry_backoff_seconds
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._sequencer = sequencer
        self._parked_keys: set[str] = set()  # parked by this process: released without waiting for a sweep

    @property
    def topology(self) -> Topology:
        return self._topology

    @property
    def handled_types(self) -> frozenset[str]:
        """The event types this consumer's queue is bound to, one handler each."""
        return frozenset(self._handlers)

    async def declare(self) -> AbstractRobustChannel:
        channel: AbstractRobustChannel = await self._connection.channel()  # type: ignore[assignment]
        await channel.set_qos(prefetch_count=self._prefetch)
        self._queue = await declare_consumer_queues(channel, self._topology, sorted(self._handlers))
        self._channel = channel
        return channel

    async def start(self) -> None:
        if self._channel is None:
            await self.declare()
        assert self._queue is not None
        self._tag = await self._queue.consume(self._on_message, no_ack=False)
        if self._sequencer is not None:
            self._sequencer.start_sweeping(self._apply)
        log.info("consumer_started", queue=self._topology.queue, types=sorted(self._handlers))

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking new messages, let in-flight ones finish; anything still
        unacked when the channel closes goes back to the queue."""
        if self._queue is not None and self._tag is not None:
            try:
                await self._queue.cancel(self._tag)
            except Exception as exc:  # the connection may already be gone
                log.warning("consumer_cancel_failed", error=str(exc))
        self._tag = None
        if self._sequencer is not None:
            await self._sequencer.stop()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=grace_seconds)
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
        self._channel = None

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)  # type: ignore[arg-type]
        try:
            # The handler (and its database calls) continue the trace that
            # published the event (W3C traceparent in the message headers).
            with continued_span(self._tracer, f"{message.routing_key or 'unknown'} process", message.headers,
                                kind=SpanKind.CONSUMER,
                                attributes={"messaging.system": "rabbitmq",
                                            "messaging.destination.subscription.name": self._topology.queue}):
                await self._process(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)  # type: ignore[arg-type]

    async def _process(self, message: AbstractIncomingMessage) -> None:
        service = self._topology.service
        event_type = message.routing_key or "unknown"
        try:
            envelope = Envelope.from_json(message.body)
        except ValidationError as exc:
            log.error("event_malformed", routing_key=event_type, error=str(exc)[:500])
            await self._dead_letter(message, event_type)
            return
        bind_ids(correlation_id=envelope.correlationid or envelope.id, causation_id=envelope.id)
        handler = self._handlers.get(envelope.type)
        if handler is None:
            # Bound but not handled: only possible after a code change; nothing to do.
            log.warning("event_unhandled", event_type=envelope.type, event_id=envelope.id)
            await message.ack()
            EVENTS_CONSUMED.labels(service, envelope.type, "ignored").inc()
            return
        sequencer = self._sequencer
        key = aggregate_key(envelope)
        if sequencer is not None and key is not None and not await sequencer.ready(envelope):
            await sequencer.park(envelope, message.body)
            self._parked_keys.add(key)
            await message.ack()
            EVENTS_CONSUMED.labels(service, envelope.type, "parked").inc()
            if await sequencer.ready(envelope):  # its predecessor was applied meanwhile
                await self._release(key)
            return
        try:
            if sequencer is not None and key is not None:
                await sequencer.apply(envelope, handler)
            else:
                await handler(envelope)
        except (PermanentError, ValidationError) as exc:
            log.error("event_rejected", event_type=envelope.type, event_id=envelope.id, error=str(exc)[:500])
            await self._dead_letter(message, envelope.type)
            return
        except Exception as exc:
            attempts = self._attempts(message)
            if attempts >= self._topology.delivery_limit:
                log.error("event_failed_finally", event_type=envelope.type, event_id=envelope.id,
                          attempts=attempts, error=str(exc)[:500])
                await self._dead_letter(message, envelope.type)
            else:
                log.warning("event_failed_retrying", event_type=envelope.type, event_id=envelope.id,
                            attempts=attempts, error=str(exc)[:500])
                EVENTS_CONSUMED.labels(service, envelope.type, "retried").inc()
                await asyncio.sleep(min(self._backoff * attempts, 5.0))
                await message.nack(requeue=True)
            return
        if sequencer is not None and key is not None:
            await message.ack()
            EVENTS_CONSUMED.labels(service, envelope.type, "handled").inc()
            if key in self._parked_keys:
                await self._release(key)
            return
        await message.ack()
        EVENTS_CONSUMED.labels(service, envelope.type, "handled").inc()

    async def _apply(self, envelope: Envelope) -> None:
        await self._handlers[envelope.type](envelope)
        EVENTS_CONSUMED.labels(self._topology.service, envelope.type, "handled").inc()

    async def _release(self, key: str) -> None:
        assert self._sequencer is not None
        await self._sequencer.release(key, self._apply)

    @staticmethod
    def _attempts(message: AbstractIncomingMessage) -> int:
        # x-delivery-count (quorum queues) counts earlier failed deliveries.
        previous = (message.headers or {}).get("x-delivery-count", 0)
        return int(previous) + 1 if isinstance(previous, int | str) and str(previous).isdigit() else 1

    async def _dead_letter(self, message: AbstractIncomingMessage, event_type: str) -> None:
        await message.reject(requeue=False)
        EVENTS_CONSUMED.labels(self._topology.service, event_type, "dead_lettered").inc()
        EVENTS_DEAD_LETTERED.labels(self._topology.service, event_type).inc()
