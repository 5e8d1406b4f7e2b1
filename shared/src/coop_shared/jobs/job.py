"""A job: a name, a schedule, and an idempotent coroutine that takes the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from coop_shared.clock import Clock
from coop_shared.jobs.schedules import Schedule

JobFunction = Callable[[Clock], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """``run`` must change nothing when it runs twice: the lease makes one
    replica run a job at a time, but a run that crashed half-way is run again."""

    name: str
    schedule: Schedule
    run: JobFunction
    description: str = ""
    # Renewed while the run lasts; a replica that dies leaves it to expire.
    lease: timedelta = timedelta(minutes=5)
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)

    def retry_delay(self, failures: int) -> timedelta:
        """Exponential back-off after ``failures`` consecutive failures (1, 2, ...)."""
        delay: timedelta = self.retry_base * (2 ** max(failures - 1, 0))
        return min(delay, self.retry_max)
