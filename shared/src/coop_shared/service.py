"""The app factory every service uses: one lifespan that connects, declares,
starts the outbox relay, the consumer and the scheduled jobs, and stops them
in reverse order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from fastapi import APIRouter, FastAPI, Request
from opentelemetry.trace import Tracer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.auth.revocation import EVENT_TYPE as TOKEN_VERSION_EVENT
from coop_shared.auth.revocation import TOKEN_VERSION_INDEXES, TokenVersions, token_version_handler
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, TokenVerifier
from coop_shared.clock import Clock, SystemClock
from coop_shared.http.asgi import HttpMiddleware
from coop_shared.http.conventions import HttpConventionsMiddleware
from coop_shared.http.errors import install_error_handlers
from coop_shared.http.health import ReadinessCheck, health_router
from coop_shared.http.idempotency import IDEMPOTENCY_INDEXES
from coop_shared.http.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    UnhandledErrorMiddleware,
)
from coop_shared.http.openapi import install_openapi, operation_id
from coop_shared.http.text import CleanTextMiddleware
from coop_shared.jobs.api import jobs_router
from coop_shared.jobs.cleanup import cleanup_jobs
from coop_shared.jobs.job import Job
from coop_shared.jobs.scheduler import Scheduler
from coop_shared.jobs.store import JOB_INDEXES
from coop_shared.messaging.consumer import EventConsumer, Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.sequencing import SEQUENCING_INDEXES, Sequencer
from coop_shared.messaging.topology import Topology, dead_letter_count, declare_exchange, unrouted_count
from coop_shared.observability.business import DEAD_LETTERS, Measure, Measures
from coop_shared.observability.logging import configure_logging, get_logger
from coop_shared.observability.metrics import EVENTS_UNROUTED
from coop_shared.observability.tracing import configure_tracing, get_tracer, instrument_app
from coop_shared.persistence.idempotency import PROCESSED_INDEXES
from coop_shared.persistence.mongo import Document, IndexSpec, database, ensure_indexes, in_transaction, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, Outbox, OutboxRelay
from coop_shared.settings import ServiceSettings

log = get_logger("runtime")



@dataclass
class Runtime:
    """What a running service holds: connections and the event machinery."""

    settings: ServiceSettings
    mongo: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    outbox: Outbox
    clock: Clock = field(default_factory=SystemClock)
    amqp: AbstractRobustConnection | None = None
    publisher: EventPublisher | None = None
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    scheduler: Scheduler | None = None
    token_versions: TokenVersions | None = None
    # The service's own context (repositories, policies, adapters), built once
    # by its composition root (``bootstrap``) and read through ``context_of``.
    context: Any = None

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
# A service's composition root: builds its context once the connections exist,
# before its consumer, relay and jobs start (they all read ``runtime.context``).
Bootstrap = Callable[[Runtime], Awaitable[Any]]
Hook = Callable[[Runtime], Awaitable[None]]
# A service's jobs, declared in one place (its ``jobs.py``), built once the
# start-up hooks have made its context.
JobsFactory = Callable[[Runtime], Sequence[Job]]


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


async def shutdown_step(name: str, step: Callable[[], Awaitable[Any]], seconds: float) -> bool:
    """Run one shutdown step for at most ``seconds``; a step that fails or
    overruns is logged and the next one runs (what is left is the process's
    exit). True when the step finished in time."""
    try:
        await asyncio.wait_for(step(), timeout=seconds)
    except TimeoutError:
        log.warning("shutdown_step_timed_out", step=name, seconds=seconds)
        return False
    except Exception as exc:
        log.warning("shutdown_step_failed", step=name, error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    return True


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    indexes: Sequence[IndexSpec] = (),
    handlers: HandlersFactory | None = None,
    domain_errors: dict[type[Exception], int] | None = None,
    bootstrap: Bootstrap | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    max_body_bytes: int = 1_048_576,
    extra_checks: Callable[[Runtime], dict[str, ReadinessCheck]] | None = None,
    messaging: bool = True,
    consume_token_versions: bool = True,
    messaging_required: bool = True,
    readiness_details: Callable[[Request], bool] | None = None,
    jobs: JobsFactory | None = None,
    clock: Clock | None = None,
    measures: Callable[[Runtime], Sequence[Measure]] | None = None,
    passthrough: type[HttpMiddleware] | None = None,
) -> FastAPI:
    """``consume_token_versions``: learn revoked token versions from members'
    events (members itself records them as it bumps them). ``messaging_required``
    False: the broker's state is reported, but does not make the service unready.
    ``bootstrap``: the service's composition root (its context, in ``runtime.context``
    and ``app.state.context``); ``on_startup`` hooks run after it, once messaging is up.
    ``clock``: what every use case and job reads the time from (tests pass a ``FakeClock``).
    ``measures``: the service's business gauges, refreshed when /metrics is read.
    ``passthrough``: a layer that answers some requests itself, inside the error backstop, the request
    context and the size limit, but before the JSON conventions, the text rule and FastAPI's routing (the
    gateway's forwarding: the service behind it applies those)."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    tracer_provider = configure_tracing(settings.service_name)  # None unless OTEL_* ask for tracing
    tracer = get_tracer(tracer_provider)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mongo: AsyncMongoClient[Document] = make_client(settings.mongo_url, app_name=settings.service_name,
                                                           socket_timeout_ms=settings.mongo_socket_timeout_ms)
        db = database(mongo, settings.database_name)
        # The shared machinery's indexes (idempotent routes included), then the service's own.
        await ensure_indexes(db, [*OUTBOX_INDEXES, *PROCESSED_INDEXES, *TOKEN_VERSION_INDEXES, *JOB_INDEXES,
                                  *SEQUENCING_INDEXES, *IDEMPOTENCY_INDEXES, *indexes])
        runtime = Runtime(settings=settings, mongo=mongo, db=db, outbox=Outbox(db),
                          clock=clock or SystemClock(settings.timezone))
        versions = TokenVersions(db, poll_seconds=settings.token_versions_poll_seconds)
        await versions.refresh()
        app.state.token_versions = versions
        runtime.token_versions = versions
        if bootstrap is not None:
            runtime.context = await bootstrap(runtime)
        app.state.runtime = runtime
        app.state.context = runtime.context
        if messaging:
            await _start_messaging(runtime, handlers, versions if consume_token_versions else None, tracer)
        versions.start()
        app.state.measures = Measures([*(measures(runtime) if measures else []), _dead_letter_measure(runtime)])
        for hook in on_startup:
            await hook(runtime)
        if runtime.relay is not None:
            runtime.relay.start()
        if runtime.consumer is not None:
            await runtime.consumer.start()
        runtime.scheduler = Scheduler(db, [*(jobs(runtime) if jobs is not None else ()), *cleanup_jobs(db)],
                                      runtime.clock, service=settings.service_name,
                                      poll_seconds=settings.jobs_poll_seconds)
        await runtime.scheduler.prepare()
        if settings.jobs_enabled:
            runtime.scheduler.start()
        log.info("service_started", database=settings.database_name)
        try:
            yield
        finally:
            # Reverse order: stop taking work, finish in-flight work, then disconnect.
            steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [("scheduler", runtime.scheduler.stop)]
            if runtime.consumer is not None:
                steps.append(("consumer", runtime.consumer.stop))
            if runtime.relay is not None:
                steps.append(("outbox_relay", runtime.relay.stop))
            steps.append(("token_versions", versions.stop))
            steps += [(getattr(hook, "__name__", "on_shutdown"), lambda h=hook: h(runtime))  # type: ignore[misc]
                      for hook in on_shutdown]
            if runtime.publisher is not None:
                steps.append(("publisher", runtime.publisher.close))
            if runtime.amqp is not None:
                steps.append(("amqp_connection", runtime.amqp.close))
            steps.append(("mongo_client", mongo.close))
            for name, step in steps:
                await shutdown_step(name, step, settings.shutdown_step_seconds)
            log.info("service_stopped")

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  generate_unique_id_function=operation_id,
                  # The gateway serves the viewers from vendored files; services only their JSON.
                  docs_url=None, redoc_url=None)
    install_openapi(app)
    app.state.consumption = Consumption(handlers if messaging else None, messaging and consume_token_versions)
    # Replaceable before start-up (the members service verifies with its own
    # keys; tests install a verifier for their own signing key).
    app.state.token_verifier = TokenVerifier(
        jwks_url=settings.jwks_url, audience=settings.jwt_audience, issuer=settings.jwt_issuer,
        extra_sources=[KeySource(settings.gateway_jwt_issuer, PARTNER_ROLES, jwks_url=settings.gateway_jwks_url)],
    )
    install_error_handlers(app, domain_errors)
    # Innermost: its own reads (If-Match checks) go straight to the routes.
    app.add_middleware(HttpConventionsMiddleware, if_match_required=settings.if_match_required)
    app.add_middleware(CleanTextMiddleware)  # bodies already bounded by the size limit
    if passthrough is not None:
        app.add_middleware(passthrough)
    app.add_middleware(UnhandledErrorMiddleware)  # a 500 leaves the connection usable
    app.add_middleware(RequestContextMiddleware, service_name=settings.service_name)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)

    def checks(request: Request) -> dict[str, ReadinessCheck]:
        runtime: Runtime = request.app.state.runtime
        named: dict[str, ReadinessCheck] = {"mongodb": lambda: _check_mongo(runtime)}
        if messaging:
            named["rabbitmq"] = lambda: _check_amqp(runtime, messaging_required)
        if extra_checks is not None:
            named.update(extra_checks(runtime))
        return named

    instrument_app(app, tracer_provider)
    app.include_router(health_router(checks, show_details=readiness_details))
    app.include_router(jobs_router(settings.service_name))
    for router in routers:
        app.include_router(router)
    return app


def bound_handlers(runtime: Runtime, handlers: HandlersFactory | None,
                   versions: TokenVersions | None) -> dict[str, Handler]:
    """Every event type the service's consumer is bound to, with its handler: the service's own and,
    when it learns revoked tokens, members' token-version changes."""
    handled: dict[str, Handler] = dict(handlers(runtime)) if handlers is not None else {}
    if versions is not None:
        handled[TOKEN_VERSION_EVENT] = token_version_handler(versions)
    return handled


@dataclass(frozen=True)
class Consumption:
    """What a service app consumes, kept on ``app.state.consumption`` so a test can compare it with the
    contracts that name the service as a consumer, without a server."""

    handlers: HandlersFactory | None
    token_versions: bool

    def event_types(self, runtime: Runtime) -> set[str]:
        versions = TokenVersions(runtime.db) if self.token_versions else None
        return set(bound_handlers(runtime, self.handlers, versions))


async def _start_messaging(runtime: Runtime, handlers: HandlersFactory | None,
                           versions: TokenVersions | None, tracer: Tracer) -> None:
    settings = runtime.settings
    runtime.amqp = await connect_amqp(settings)
    # The events exchange and its alternate exchange exist before anything is
    # published: an event with no consumer yet has a destination from the start.
    channel = await runtime.amqp.channel()
    try:
        await declare_exchange(channel, settings.exchange_name)
    finally:
        await channel.close()
    runtime.publisher = EventPublisher(runtime.amqp, settings.exchange_name, service=settings.service_name,
                                       timeout=settings.publish_timeout_seconds)
    handled = bound_handlers(runtime, handlers, versions)
    if handled:
        topology = Topology(settings.exchange_name, settings.dead_letter_exchange_name,
                            settings.service_name, settings.consumer_delivery_limit, settings.amqp_prefix)
        runtime.consumer = EventConsumer(runtime.amqp, topology, handled,
                                         prefetch=settings.consumer_prefetch,
                                         sequencer=Sequencer(runtime.db, handled.keys(),
                                                             gap_seconds=settings.consumer_sequence_gap_seconds),
                                         tracer=tracer)
        await runtime.consumer.declare()
    runtime.relay = OutboxRelay(runtime.db, runtime.publisher, runtime.outbox, service=settings.service_name,
                                poll_seconds=settings.outbox_poll_seconds,
                                lease_seconds=settings.outbox_lease_seconds,
                                batch_size=settings.outbox_batch_size, tracer=tracer)


async def _check_mongo(runtime: Runtime) -> dict[str, object]:
    await runtime.mongo.admin.command("ping")
    return {"status": "ok", "outbox_pending": await runtime.outbox.pending_count()}


def _dead_letter_measure(runtime: Runtime) -> Measure:
    async def dead_letters() -> None:
        if runtime.consumer is None or runtime.amqp is None or runtime.amqp.is_closed:
            return
        channel = await runtime.amqp.channel()
        try:
            count = await dead_letter_count(channel, runtime.consumer.topology)
        finally:
            await channel.close()
        DEAD_LETTERS.labels(runtime.consumer.topology.dead_letter_queue).set(count)

    return dead_letters


async def _check_amqp(runtime: Runtime, required: bool = True) -> dict[str, object]:
    if runtime.amqp is None or runtime.amqp.is_closed or not runtime.amqp.connected.is_set():
        return {"status": "down", "error": "not connected", **({} if required else {"required": False})}
    report: dict[str, object] = {"status": "ok"}
    channel = await runtime.amqp.channel()
    try:
        unrouted = await unrouted_count(channel, runtime.settings.exchange_name)
        EVENTS_UNROUTED.set(unrouted)
        report["unrouted_events"] = unrouted
        if runtime.consumer is not None:
            report["dead_letters"] = await dead_letter_count(channel, runtime.consumer.topology)
    finally:
        await channel.close()
    return report


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
