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
EVENTS_UNROUTED = Gauge(
    "coop_events_unrouted", "Events no consumer queue took, kept in the alternate exchange's queue.",
)
OUTBOX_PENDING = Gauge("coop_outbox_pending", "Events written but not yet confirmed.", ["service"])
HTTP_REQUESTS = Counter(
    "coop_http_requests_total", "HTTP requests served.", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "coop_http_request_seconds", "HTTP request latency.", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_RUNS = Counter(
    "coop_job_runs_total", "Scheduled job runs, by outcome (ok, failed).", ["service", "job", "outcome"]
)
JOB_SECONDS = Histogram(
    "coop_job_run_seconds", "Duration of scheduled job runs.", ["service", "job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900),
)
JOB_CONSECUTIVE_FAILURES = Gauge(
    "coop_job_consecutive_failures", "Failed runs of a job since its last success.", ["service", "job"]
)
