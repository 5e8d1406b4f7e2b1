"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "coop_events_published_total", "Events confirmed by the broker.", ["service", "type"]
)
EVENTS_PUBLISH_FAILED = Counter(
    "coop_events_publish_failed_total", "Publish attempts that failed (returned, nacked, timed out).",
    ["service", "type"],
)
EVENTS_CONSUMED = Counter(
    "coop_events_consumed_total", "Events handled by a consumer, by outcome.",
    ["service", "type", "outcome"],
)
EVENTS_DEAD_LETTERED = Counter(
    "coop_events_dead_lettered_total", "Events this service rejected to its dead-letter queue.",
    ["service", "type"],
)
OUTBOX_PENDING = Gauge("coop_outbox_pending", "Events written but not yet confirmed.", ["service"])
HTTP_REQUESTS = Counter(
    "coop_http_requests_total", "HTTP requests served.", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "coop_http_request_seconds", "HTTP request latency.", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
