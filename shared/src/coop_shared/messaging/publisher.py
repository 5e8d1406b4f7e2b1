"""Publishing with publisher confirms: a publish returns only once the broker
has taken responsibility for the message, and raises otherwise."""

from __future__ import annotations

import asyncio

import aio_pika
import aiormq
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection
from aiormq.exceptions import DeliveryError, PublishError

from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.topology import declare_exchange
from coop_shared.observability.metrics import EVENTS_PUBLISH_FAILED, EVENTS_PUBLISHED
from coop_shared.observability.tracing import inject_headers


class PublishFailed(Exception):
    """The broker did not confirm the message (returned, nacked, timed out or unreachable).

    ``unroutable`` is true when the broker is fine but no queue is bound for
    the event type: a problem of that one type, not of the connection.
    """

    def __init__(self, message: str, *, unroutable: bool = False) -> None:
        super().__init__(message)
        self.unroutable = unroutable


def to_message(envelope: Envelope, body: bytes | None = None) -> aio_pika.Message:
    headers: dict[str, str] = {"ce-type": envelope.type, "ce-source": envelope.source}
    if envelope.correlationid:
        headers["correlationid"] = envelope.correlationid
    if envelope.causationid:
        headers["causationid"] = envelope.causationid
    inject_headers(headers)  # W3C traceparent of the active span, when tracing is on
    return aio_pika.Message(
        body=body if body is not None else envelope.to_json(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=envelope.id,
        type=envelope.type,
        app_id=envelope.source,
        timestamp=envelope.time,
        correlation_id=envelope.correlationid,
        headers=headers,  # type: ignore[arg-type]
    )


class EventPublisher:
    def __init__(self, connection: AbstractRobustConnection, exchange_name: str, *,
                 service: str, timeout: float = 10.0) -> None:
        self._connection = connection
        self._exchange_name = exchange_name
        self._service = service
        self._timeout = timeout
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def _ensure(self) -> AbstractExchange:
        async with self._lock:
            if self._exchange is None or self._channel is None or self._channel.is_closed:
                self._channel = await self._connection.channel(  # type: ignore[assignment]
                    publisher_confirms=True, on_return_raises=True
                )
                assert self._channel is not None
                self._exchange = await declare_exchange(self._channel, self._exchange_name)
            return self._exchange

    async def publish(self, envelope: Envelope, body: bytes | None = None) -> None:
        """Publish ``mandatory``: a message no queue is bound for raises, so
        a missing consumer topology is a loud failure, not silent loss."""
        try:
            exchange = await self._ensure()
            confirmation = await exchange.publish(
                to_message(envelope, body), routing_key=envelope.type, mandatory=True, timeout=self._timeout
            )
        except (TimeoutError, DeliveryError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            EVENTS_PUBLISH_FAILED.labels(self._service, envelope.type).inc()
            if isinstance(exc, aio_pika.exceptions.ChannelInvalidStateError | RuntimeError):
                self._exchange = None  # reopen the channel on the next try
            raise PublishFailed(f"{envelope.type} {envelope.id}: {type(exc).__name__}: {exc}",
                                unroutable=isinstance(exc, PublishError)) from exc
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            EVENTS_PUBLISH_FAILED.labels(self._service, envelope.type).inc()
            raise PublishFailed(f"{envelope.type} {envelope.id}: broker answered {confirmation!r}")
        EVENTS_PUBLISHED.labels(self._service, envelope.type).inc()

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
        self._channel = None
        self._exchange = None
