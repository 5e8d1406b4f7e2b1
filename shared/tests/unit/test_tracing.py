"""Tracing stays off unless OTEL_* ask for it; log lines carry the active span's ids."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider

from coop_shared.observability.logging import add_trace_ids
from coop_shared.observability.tracing import current_traceparent, get_tracer, tracing_requested


@pytest.mark.parametrize(("env", "on"), [
    ({}, False),
    ({"OTEL_SERVICE_NAME": "x"}, False),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
    ({"OTEL_TRACES_EXPORTER": "console"}, True),
    ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
    ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
])
def test_tracing_is_off_unless_configured(env: dict[str, str], on: bool) -> None:
    assert tracing_requested(env) is on


def test_log_lines_carry_trace_and_span_ids_only_inside_a_span() -> None:
    assert "trace_id" not in add_trace_ids(None, "info", {"event": "x"})
    assert current_traceparent() == {}
    tracer = get_tracer(TracerProvider())
    with tracer.start_as_current_span("work") as span:
        line = add_trace_ids(None, "info", {"event": "x"})
        ids = span.get_span_context()
        assert line["trace_id"] == format(ids.trace_id, "032x")
        assert line["span_id"] == format(ids.span_id, "016x")
        assert current_traceparent()["traceparent"].startswith(f"00-{line['trace_id']}-{line['span_id']}-")
