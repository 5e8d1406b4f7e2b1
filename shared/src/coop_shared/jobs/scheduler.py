"""Runs a service's jobs in its own process, one replica at a time per job.

Each job has a loop that reads the job's state and sleeps until it is due
(at least ``poll_seconds``, at most ``max_wait_seconds``, so a schedule moved by
another replica is seen), then tries to take the job's lease in MongoDB; an
idle platform reads each job's state now and then instead of writing to it
every second. The replica that gets the lease runs the job, renews
the lease while it runs, records the outcome and the next due time, and lets
go. A failed run is logged, counted in ``/metrics`` and retried with
exponential back-off. A replica that dies mid-run leaves a lease that expires.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import Clock
from coop_shared.jobs.job import Job
from coop_shared.jobs.store import JobStore
from coop_shared.observability.logging import get_logger
from coop_shared.observability.metrics import JOB_CONSECUTIVE_FAILURES, JOB_RUNS, JOB_SECONDS
from coop_shared.persistence.mongo import Document

log = get_logger("jobs")


class UnknownJob(LookupError):
    pass


class JobBusy(RuntimeError):
    """Another replica holds the job's lease."""


@dataclass(frozen=True)
class RunOutcome:
    job: str
    ok: bool
    result: Any = None
    error: str | None = None


def _summary(result: Any) -> str:
    text = json.dumps(result, default=str, sort_keys=True) if result is not None else ""
    return text[:1000]


class Scheduler:
    def __init__(self, db: AsyncDatabase[Document], jobs: Sequence[Job], clock: Clock, *, service: str,
                 poll_seconds: float = 1.0, max_wait_seconds: float = 10.0, owner: str | None = None) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self.jobs = {job.name: job for job in jobs}
        self.clock = clock
        self.service = service
        self.owner = owner or f"{service}-{uuid.uuid4().hex[:12]}"
        self._store = JobStore(db)
        self._poll = poll_seconds
        self._max_wait = max(max_wait_seconds, poll_seconds)
        self._tasks: list[asyncio.Task[None]] = []
        self._prepared = False
        self._preparing = asyncio.Lock()  # every job's loop starts by preparing: once is enough

    async def prepare(self) -> None:
        """Create the state of jobs never seen before (their first due time)."""
        async with self._preparing:
            if self._prepared:
                return
            now = self.clock.now()
            for job in self.jobs.values():
                await self._store.ensure(job.name, job.schedule.describe(),
                                         job.schedule.first_run(now, self.clock.zone))
            self._prepared = True

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._loop(job), name=f"job:{job.name}") for job in self.jobs.values()]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        # An interrupted job records "interrupted" on its way out; a database that
        # does not answer must not hold the shutdown for ever.
        done, pending = await asyncio.wait(tasks, timeout=10)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.warning("job_stopped_with_error", job=task.get_name(), error=repr(task.exception()))
        for task in pending:
            log.warning("job_did_not_stop", job=task.get_name())

    async def tick(self) -> list[RunOutcome]:
        """Run, one after the other, every job that is due now (tests drive this with a fake clock)."""
        if not self._prepared:
            await self.prepare()
        outcomes = [await self._attempt(job, due_only=True) for job in self.jobs.values()]
        return [o for o in outcomes if o is not None]

    async def run_now(self, name: str) -> RunOutcome:
        """Run a job at once (CLI, admin), under its lease; its schedule is unchanged."""
        job = self.jobs.get(name)
        if job is None:
            raise UnknownJob(name)
        if not self._prepared:
            await self.prepare()
        outcome = await self._attempt(job, due_only=False)
        if outcome is None:
            raise JobBusy(name)
        return outcome

    async def states(self) -> list[Document]:
        """Each declared job with its schedule, last run, last outcome and next run."""
        stored = {doc["_id"]: doc for doc in await self._store.all()}
        out: list[Document] = []
        for job in self.jobs.values():
            doc = stored.get(job.name, {})
            out.append({
                "service": self.service, "name": job.name, "description": job.description,
                "schedule": job.schedule.describe(), "last_run_at": doc.get("last_run_at"),
                "last_outcome": doc.get("last_outcome"), "last_error": doc.get("last_error"),
                "last_result": doc.get("last_result"), "next_run_at": doc.get("next_run_at"),
                "running": doc.get("lease_owner") is not None and doc.get("lease_until") is not None
                and _aware(doc["lease_until"]) > self.clock.now(),
                "runs": doc.get("runs", 0), "consecutive_failures": doc.get("failures", 0),
            })
        return out

    async def _loop(self, job: Job) -> None:
        while True:
            wait = self._poll
            try:
                if not self._prepared:
                    await self.prepare()
                wait = await self._until_due(job)
                if wait <= 0:
                    await self._attempt(job, due_only=True)
                    wait = self._poll
            except asyncio.CancelledError:
                raise
            except Exception:  # the store itself failed (a database hiccup): try again next poll
                log.exception("job_scheduler_error", job=job.name)
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # A cancel that arrived inside a database call can be swallowed
                # below us; honour it here instead of sleeping a whole poll (which
                # held every shutdown for the 10 s ``stop`` waits).
                raise asyncio.CancelledError
            await asyncio.sleep(wait)

    async def _until_due(self, job: Job) -> float:
        """Seconds until the job is due and its lease free (0: try now), within the polling bounds."""
        state = await self._store.get(job.name)
        if state is None:
            return 0.0
        now = self.clock.now()
        due = _aware(state["next_run_at"])
        if state.get("lease_until") is not None and _aware(state["lease_until"]) > now:
            due = max(due, now + timedelta(seconds=self._poll))  # another replica runs it: look again soon
        seconds = (due - now).total_seconds()
        return 0.0 if seconds <= 0 else min(max(seconds, self._poll), self._max_wait)

    async def _attempt(self, job: Job, *, due_only: bool) -> RunOutcome | None:
        now = self.clock.now()
        state = await self._store.acquire(job.name, self.owner, now, now + job.lease, due_only=due_only)
        if state is None:
            return None  # not due, or another replica runs it
        heartbeat = asyncio.create_task(self._renew(job))
        started = time.perf_counter()
        try:
            result = await job.run(self.clock)
        except asyncio.CancelledError:
            heartbeat.cancel()
            await self._store.finish(job.name, self.owner, {"last_outcome": "interrupted"}, failed=True)
            raise
        except Exception as exc:
            heartbeat.cancel()
            failures = int(state.get("failures") or 0) + 1
            finished = self.clock.now()
            retry_at = finished + job.retry_delay(failures)
            log.exception("job_failed", job=job.name, failures=failures, retry_at=retry_at.isoformat())
            JOB_RUNS.labels(self.service, job.name, "failed").inc()
            JOB_CONSECUTIVE_FAILURES.labels(self.service, job.name).set(failures)
            await self._store.finish(job.name, self.owner, {
                "last_run_at": now, "last_finished_at": finished, "last_outcome": "failed",
                "last_error": "".join(traceback.format_exception_only(exc)).strip()[:1000],
                "next_run_at": retry_at if due_only else min(retry_at, _aware(state["next_run_at"])),
            }, failed=True)
            return RunOutcome(job.name, ok=False, error=str(exc))
        heartbeat.cancel()
        finished = self.clock.now()
        seconds = time.perf_counter() - started
        JOB_RUNS.labels(self.service, job.name, "ok").inc()
        JOB_SECONDS.labels(self.service, job.name).observe(seconds)
        JOB_CONSECUTIVE_FAILURES.labels(self.service, job.name).set(0)
        values: Document = {"last_run_at": now, "last_finished_at": finished, "last_outcome": "ok",
                            "last_error": None, "last_result": _summary(result),
                            "last_duration_seconds": round(seconds, 3)}
        if due_only or _aware(state["next_run_at"]) <= finished:
            values["next_run_at"] = job.schedule.next_after(finished if due_only else now, self.clock.zone)
        if not await self._store.finish(job.name, self.owner, values, failed=False):
            log.warning("job_lease_lost", job=job.name)  # ran longer than its lease without renewing
        if result is not None:
            log.info("job_ran", job=job.name, result=_summary(result), seconds=round(seconds, 3))
        return RunOutcome(job.name, ok=True, result=result)

    async def _renew(self, job: Job) -> None:
        period = max(job.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(period)
            await self._store.renew(job.name, self.owner, self.clock.now() + job.lease)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
