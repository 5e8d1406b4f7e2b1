"""OpenTelemetry tracing, off unless the standard ``OTEL_*`` variables ask for it.

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) is set or
``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``, ``console``); off when
``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none``. The OTLP/HTTP
exporter itself reads the endpoint, headers and timeout from the same variables.

Each service app gets its own ``TracerProvider`` (resource ``service.name``) for
its server spans and its relay and consumer spans; the client libraries (httpx, aiohttp,
PyMongo, aio-pika) are instrumented once per process with the first provider,
which is also the global one (in production one process runs one service).

W3C ``traceparent`` travels over HTTP (the client instrumentations), is kept on each
outbox document (:func:`current_traceparent`), sent in the AMQP headers by the
relay and picked up by the consumer (:func:`consume_span`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Tracer

TRACER_NAME = "coop_shared"
_extra_processors: list[SpanProcessor] = []
_instrumented = False


def add_span_processor(processor: SpanProcessor) -> None:
    """Send the spans of every provider made from now on to ``processor`` too
    (tests install an in-memory exporter this way); this also turns tracing on."""
    _extra_processors.append(processor)


def remove_span_processor(processor: SpanProcessor) -> None:
    if processor in _extra_processors:
        _extra_processors.remove(processor)


def tracing_requested(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return bool(_extra_processors)
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or _extra_processors)


def _exporters(env: Mapping[str, str]) -> list[SpanExporter]:
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names and (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        names = ["otlp"]
    exporters: list[SpanExporter] = []
    for name in names:
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name != "none":
            raise ValueError(f"OTEL_TRACES_EXPORTER: unsupported exporter {name!r} (use otlp, console or none)")
    return exporters


def configure_tracing(service_name: str) -> TracerProvider | None:
    """The service's provider, or None when tracing is off (nothing is changed then)."""
    if not tracing_requested():
        return None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    for exporter in _exporters(os.environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for processor in _extra_processors:
        provider.add_span_processor(processor)
    _instrument_clients(provider)
    return provider


def _instrument_clients(provider: TracerProvider) -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):  # it can be set once only
        trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    PymongoInstrumentor().instrument(tracer_provider=provider)
    AioPikaInstrumentor().instrument(tracer_provider=provider)
    _instrumented = True


def uninstrument_clients() -> None:
    """Undo :func:`_instrument_clients` (tests that turned tracing on for a while)."""
    global _instrumented
    if not _instrumented:
        return
    from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    AioHttpClientInstrumentor().uninstrument()
    PymongoInstrumentor().uninstrument()
    AioPikaInstrumentor().uninstrument()
    _instrumented = False


def instrument_app(app: Any, provider: TracerProvider | None) -> None:
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # Health probes and scrapes would drown the traces that matter.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="/health,/ready,/metrics")


def get_tracer(provider: TracerProvider | None) -> Tracer:
    """The service's tracer; a no-op one when tracing is off (whatever the global provider is)."""
    return trace.NoOpTracer() if provider is None else provider.get_tracer(TRACER_NAME)


def current_traceparent() -> dict[str, str]:
    """The W3C headers of the active span (empty when none is recording), to
    store with work that continues later (an outbox event)."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(carrier)
    return carrier


def inject_headers(headers: MutableMapping[str, Any]) -> None:
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(headers)


@contextmanager
def continued_span(tracer: Tracer, name: str, carrier: Mapping[str, Any] | None, *,
                   kind: SpanKind, attributes: Mapping[str, str] | None = None) -> Iterator[Span]:
    """A span that continues the trace in ``carrier`` (W3C headers), or the
    active one when there is one (the aio-pika instrumentation's consume span)."""
    active = trace.get_current_span().get_span_context().is_valid
    parent: context.Context | None = None
    if not active and carrier:
        parent = propagate.extract({k: v for k, v in carrier.items() if isinstance(v, str)})
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=dict(attributes or {})) as span:
        yield span
