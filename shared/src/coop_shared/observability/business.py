"""Business gauges: what the platform owes people, read from the databases.

Each service lists its measures (coroutines that read its own database and
set a gauge); ``/metrics`` refreshes them before answering, at most once per
``MEASURE_SECONDS`` per process, so every replica reports the same figures
and nothing runs while nobody scrapes. The gauges are declared here, once, so
that dashboards and alert rules (deploy/observability) name metrics that
exist whichever service sets them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import Gauge

from coop_shared.observability.logging import get_logger

Measure = Callable[[], Awaitable[None]]
MEASURE_SECONDS = 15.0
log = get_logger("business_metrics")

INVOICES = Gauge("coop_invoices", "Invoices (not credit notes) by status.", ["status"])
UNMATCHED_PAYMENTS = Gauge("coop_unmatched_payments", "Bank credits waiting for an advisor to assign them.")
REFUNDS_DUE = Gauge("coop_refunds_due", "Refunds owed to clients after credit notes, not yet paid.")
FUND_EXPOSURE_EUROS = Gauge("coop_guarantee_fund_exposure_euros",
                            "Guarantee advances outstanding over every activity.")
ACTIVITIES_WITH_ADVANCE = Gauge("coop_activities_with_advance", "Activities with a guarantee advance outstanding.")
PAYSLIPS_DUE_UNBATCHED = Gauge(
    "coop_payslips_due_unbatched",
    "Issued payslips not yet in a payment batch, by days left before their 7-day due date.", ["within_days"])
NOTIFICATIONS_PARKED = Gauge("coop_notifications_parked",
                             "E-mails and webhook deliveries that gave up after their retries.", ["channel"])
DEAD_LETTERS = Gauge("coop_dead_letters", "Messages waiting in a service's dead-letter queue.", ["queue"])


class Measures:
    """The measures of one process, refreshed on demand and never twice at once."""

    def __init__(self, measures: Sequence[Measure], min_interval: float = MEASURE_SECONDS,
                 timeout: float = 2.0) -> None:
        self._measures = list(measures)
        self._min_interval = min_interval
        self._timeout = timeout
        self._last = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        if not self._measures or time.monotonic() - self._last < self._min_interval:
            return
        async with self._lock:
            if time.monotonic() - self._last < self._min_interval:
                return
            self._last = time.monotonic()
            results = await asyncio.gather(
                *(asyncio.wait_for(measure(), self._timeout) for measure in self._measures),
                return_exceptions=True)
            for measure, result in zip(self._measures, results, strict=True):
                if isinstance(result, BaseException):  # a scrape still answers with the rest
                    log.warning("business_measure_failed", measure=getattr(measure, "__name__", "?"),
                                error=f"{type(result).__name__}: {result}"[:300])
