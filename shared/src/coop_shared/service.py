"""The app factory every service uses: one lifespan that connects, declares,
starts the outbox relay and the consumer, and stops them in reverse order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from fastapi import APIRouter, FastAPI, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, TokenVerifier
from coop_shared.http.errors import install_error_handlers
from coop_shared.http.health import ReadinessCheck, health_router
from coop_shared.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from coop_shared.messaging.consumer import EventConsumer, Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.topology import Topology, dead_letter_count
from coop_shared.observability.logging import configure_logging, get_logger
from coop_shared.persistence.idempotency import PROCESSED_INDEXES
from coop_shared.persistence.mongo import IndexSpec, database, ensure_indexes, in_transaction, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox, OutboxRelay
from coop_shared.settings import ServiceSettings

log = get_logger("runtime")

Document = dict[str, Any]


@dataclass
class Runtime:
    """What a running service holds: connections and the event machinery."""

    settings: ServiceSettings
    mongo: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    outbox: Outbox
    amqp: AbstractRobustConnection | None = None
    publisher: EventPublisher | None = None
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def commit(self, work: Callable[[AsyncClientSession], Awaitable[Any]]) -> Any:
        """Run ``work`` (state change + ``outbox.add``) in one transaction, then
        wake the relay so events leave within milliseconds, not a poll period."""
        result = await in_transaction(self.mongo, work)
        self.outbox.notify()
        return result

    def event(self, payload: Any, subject: str | None = None) -> Envelope:
        from coop_shared.messaging.envelope import new_event

        return new_event(payload, source=self.settings.service_name, subject=subject)


HandlersFactory = Callable[[Runtime], Mapping[str, Handler]]
Hook = Callable[[Runtime], Awaitable[None]]


async def connect_amqp(settings: ServiceSettings, attempts: int = 30) -> AbstractRobustConnection:
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await aio_pika.connect_robust(
                settings.amqp_url, heartbeat=settings.amqp_heartbeat_seconds,
                client_properties={"connection_name": settings.service_name},
            )
        except (OSError, aio_pika.exceptions.AMQPError) as exc:
            if attempt == attempts:
                raise
            log.warning("amqp_connect_retry", attempt=attempt, error=str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise RuntimeError("unreachable")


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    indexes: Sequence[IndexSpec] = (),
    handlers: HandlersFactory | None = None,
    domain_errors: dict[type[Exception], int] | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    max_body_bytes: int = 1_048_576,
    extra_checks: Callable[[Runtime], dict[str, ReadinessCheck]] | None = None,
    messaging: bool = True,
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mongo: AsyncMongoClient[Document] = make_client(settings.mongo_url, app_name=settings.service_name)
        db = database(mongo, settings.database_name)
        await ensure_indexes(db, [*OUTBOX_INDEXES, *PROCESSED_INDEXES, *indexes])
        runtime = Runtime(settings=settings, mongo=mongo, db=db, outbox=Outbox(db))
        if messaging:
            await _start_messaging(runtime, handlers)
        app.state.runtime = runtime
        for hook in on_startup:
            await hook(runtime)
        if runtime.relay is not None:
            runtime.relay.start()
        if runtime.consumer is not None:
            await runtime.consumer.start()
        log.info("service_started", database=settings.database_name)
        try:
            yield
        finally:
            # Reverse order: stop taking work, finish in-flight work, then disconnect.
            if runtime.consumer is not None:
                await runtime.consumer.stop()
            if runtime.relay is not None:
                await runtime.relay.stop()
            for hook in on_shutdown:
                await hook(runtime)
            if runtime.publisher is not None:
                await runtime.publisher.close()
            if runtime.amqp is not None:
                await runtime.amqp.close()
            await mongo.close()
            log.info("service_stopped")

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    # Replaceable before start-up (the members service verifies with its own
    # keys; tests install a verifier for their own signing key).
    app.state.token_verifier = TokenVerifier(
        jwks_url=settings.jwks_url, audience=settings.jwt_audience, issuer=settings.jwt_issuer,
        extra_sources=[KeySource(settings.gateway_jwt_issuer, PARTNER_ROLES, jwks_url=settings.gateway_jwks_url)],
    )
    install_error_handlers(app, domain_errors)
    app.add_middleware(RequestContextMiddleware, service_name=settings.service_name)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)

    def checks(request: Request) -> dict[str, ReadinessCheck]:
        runtime: Runtime = request.app.state.runtime
        named: dict[str, ReadinessCheck] = {"mongodb": lambda: _check_mongo(runtime)}
        if messaging:
            named["rabbitmq"] = lambda: _check_amqp(runtime)
        if extra_checks is not None:
            named.update(extra_checks(runtime))
        return named

    app.include_router(health_router(checks))
    for router in routers:
        app.include_router(router)
    return app


async def _start_messaging(runtime: Runtime, handlers: HandlersFactory | None) -> None:
    settings = runtime.settings
    runtime.amqp = await connect_amqp(settings)
    runtime.publisher = EventPublisher(runtime.amqp, settings.exchange_name, service=settings.service_name,
                                       timeout=settings.publish_timeout_seconds)
    if handlers is not None:
        topology = Topology(settings.exchange_name, settings.dead_letter_exchange_name,
                            settings.service_name, settings.consumer_delivery_limit, settings.amqp_prefix)
        runtime.consumer = EventConsumer(runtime.amqp, topology, handlers(runtime),
                                         prefetch=settings.consumer_prefetch)
        await runtime.consumer.declare()
    runtime.relay = OutboxRelay(runtime.db, runtime.publisher, runtime.outbox, service=settings.service_name,
                                poll_seconds=settings.outbox_poll_seconds,
                                lease_seconds=settings.outbox_lease_seconds,
                                batch_size=settings.outbox_batch_size)


async def _check_mongo(runtime: Runtime) -> dict[str, object]:
    await runtime.mongo.admin.command("ping")
    return {"status": "ok", "outbox_pending": await runtime.outbox.pending_count(),
            "outbox_unroutable": await runtime.outbox.unroutable_count()}


async def _check_amqp(runtime: Runtime) -> dict[str, object]:
    if runtime.amqp is None or runtime.amqp.is_closed or not runtime.amqp.connected.is_set():
        return {"status": "down", "error": "not connected"}
    report: dict[str, object] = {"status": "ok"}
    if runtime.consumer is not None:
        channel = await runtime.amqp.channel()
        try:
            report["dead_letters"] = await dead_letter_count(channel, runtime.consumer.topology)
        finally:
            await channel.close()
    return report


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
