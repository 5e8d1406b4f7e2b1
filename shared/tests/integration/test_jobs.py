"""Scheduled jobs on a real MongoDB-wire server: one replica at a time under
the lease, state recorded, failures retried with back-off and counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import Clock, FakeClock, SystemClock
from coop_shared.jobs import DailyAt, Every, Job, JobBusy, Scheduler
from coop_shared.jobs.cleanup import delete_expired_idempotency, delete_sent_outbox
from coop_shared.jobs.store import JOBS_COLLECTION, JobStore
from coop_shared.persistence.mongo import database, make_client
from coop_shared.service import Runtime, create_service_app
from coop_shared.settings import ServiceSettings
from coop_shared.testing.fixtures import running, trust_test_key
from coop_shared.testing.servers import Infrastructure


@pytest.fixture
async def db(infrastructure: Infrastructure, namespace: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = make_client(infrastructure.mongo_url, app_name="tests")
    yield database(client, f"{namespace}_jobs")
    await client.close()


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_two_app_instances_never_run_the_same_job_at_the_same_time(
        settings_for: Callable[..., Any], signing_key: Any, token_for: Callable[..., dict[str, str]]) -> None:
    settings = settings_for(ServiceSettings, service_name="jobtest", jobs_poll_seconds=0.01)
    active: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    runs: list[str] = []

    def declare(replica: str) -> Callable[[Runtime], list[Job]]:
        def jobs(_: Runtime) -> list[Job]:
            async def exclusive(clock: Clock) -> None:
                active.append(replica)
                if len(active) > 1:
                    overlaps.append(tuple(active))
                runs.append(replica)
                try:
                    await asyncio.sleep(0.03)  # long enough for the other replica to poll several times
                finally:  # a run cancelled by its replica's shutdown is over too
                    active.remove(replica)

            return [Job("exclusive", Every(0.01), exclusive, description="one at a time")]
        return jobs

    first = trust_test_key(create_service_app(settings, title="a", messaging=False, jobs=declare("a")), signing_key)
    second = trust_test_key(create_service_app(settings, title="b", messaging=False, jobs=declare("b")), signing_key)
    async with running(first) as http_a, running(second):
        for _ in range(1000):  # up to 20 s on a loaded machine
            if len(runs) >= 20 and {"a", "b"} <= set(runs):
                break
            await asyncio.sleep(0.02)
        response = await http_a.get("/api/v1/admin/jobs/jobtest", headers=token_for("admin-1", "admin"))
        refused = await http_a.get("/admin/jobs", headers=token_for("m-1", "member"))
    assert overlaps == [] and len(runs) >= 20
    assert {"a", "b"} <= set(runs)  # both replicas take turns; never together
    assert response.status_code == 200, response.text
    by_name = {job["name"]: job for job in response.json()["items"]}
    assert set(by_name) == {"exclusive", "outbox-cleanup", "idempotency-cleanup"}
    assert by_name["exclusive"]["last_outcome"] == "ok" and by_name["exclusive"]["runs"] >= 10
    assert by_name["outbox-cleanup"]["schedule"] == "daily at 03:10"
    assert by_name["outbox-cleanup"]["last_run_at"] is None and by_name["outbox-cleanup"]["next_run_at"]
    assert refused.status_code == 403


async def test_a_due_job_runs_once_per_due_time_whatever_the_number_of_ticks_and_replicas(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    clock = FakeClock.at_local(2026, 3, 28, 6, 0)  # the day before clocks go forward
    calls: list[datetime] = []

    async def daily(c: Clock) -> dict[str, str]:
        calls.append(c.now())
        return {"day": c.today().isoformat()}

    job = Job("daily", DailyAt.parse("07:00"), daily)
    replicas = [Scheduler(db, [job], clock, service="t") for _ in range(3)]
    for _ in range(3):
        assert [o for r in replicas for o in await r.tick()] == []  # 06:00: not due yet
    clock.advance(hours=1)
    outcomes = await asyncio.gather(*(r.tick() for r in replicas for _ in range(4)))
    assert sum(len(o) for o in outcomes) == 1 and len(calls) == 1
    state = await JobStore(db).get("daily")
    assert state is not None and state["last_outcome"] == "ok" and state["last_result"] == '{"day": "2026-03-28"}'
    assert state["next_run_at"] == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 07:00 summer time
    clock.advance(hours=23)  # the short night: 23 hours later it is 07:00 again in Brussels
    assert [len(await r.tick()) for r in replicas] == [1, 0, 0]
    assert [len(await r.tick()) for r in replicas] == [0, 0, 0]
    assert [c.astimezone(clock.zone).hour for c in calls] == [7, 7]


async def test_a_failed_run_is_recorded_counted_and_retried_with_back_off(db: AsyncDatabase[dict[str, Any]]) -> None:
    clock = FakeClock(datetime(2026, 12, 31, 22, 59, tzinfo=UTC))
    attempts: list[datetime] = []

    async def flaky(c: Clock) -> str:
        attempts.append(c.now())
        if len(attempts) <= 2:
            raise RuntimeError("bank unreachable")
        return "done"

    job = Job("flaky", Every(3600), flaky, retry_base=timedelta(seconds=30), retry_max=timedelta(minutes=5))
    scheduler = Scheduler(db, [job], clock, service="svc-flaky")
    before = metric("coop_job_runs_total", service="svc-flaky", job="flaky", outcome="failed")
    [outcome] = await scheduler.tick()
    assert not outcome.ok and outcome.error == "bank unreachable"
    state = await JobStore(db).get("flaky")
    assert state is not None and state["last_outcome"] == "failed" and "bank unreachable" in state["last_error"]
    assert state["next_run_at"] == clock.now() + timedelta(seconds=30) and state["failures"] == 1
    clock.advance(seconds=29)
    assert await scheduler.tick() == []
    clock.advance(seconds=1)
    assert not (await scheduler.tick())[0].ok  # second failure: next in 60 s
    state = await JobStore(db).get("flaky")
    assert state is not None and state["next_run_at"] == clock.now() + timedelta(seconds=60)
    assert metric("coop_job_consecutive_failures", service="svc-flaky", job="flaky") == 2
    clock.advance(seconds=60)  # across the year end
    assert (await scheduler.tick())[0].ok
    state = await JobStore(db).get("flaky")
    assert state is not None and state["failures"] == 0 and state["last_error"] is None
    assert state["next_run_at"] == clock.now() + timedelta(hours=1)
    assert metric("coop_job_runs_total", service="svc-flaky", job="flaky", outcome="failed") == before + 2
    assert metric("coop_job_runs_total", service="svc-flaky", job="flaky", outcome="ok") >= 1
    assert metric("coop_job_consecutive_failures", service="svc-flaky", job="flaky") == 0


async def test_a_replica_that_died_mid_run_leaves_a_lease_that_expires(db: AsyncDatabase[dict[str, Any]]) -> None:
    clock = FakeClock(datetime(2026, 6, 30, 21, 0, tzinfo=UTC))
    calls: list[str] = []

    async def work(_: Clock) -> None:
        calls.append("ran")

    job = Job("month-end", Every(60), work, lease=timedelta(minutes=5))
    alive = Scheduler(db, [job], clock, service="t")
    await alive.prepare()
    store = JobStore(db)
    assert await store.acquire("month-end", "dead-replica", clock.now(), clock.now() + job.lease, due_only=True)
    assert await alive.tick() == []
    with pytest.raises(JobBusy):
        await alive.run_now("month-end")
    clock.advance(minutes=5)
    assert [o.ok for o in await alive.tick()] == [True] and calls == ["ran"]
    assert not await store.finish("month-end", "dead-replica", {"last_outcome": "ok"}, failed=False)


async def test_run_now_runs_under_the_lease_and_keeps_the_schedule(db: AsyncDatabase[dict[str, Any]]) -> None:
    clock = FakeClock.at_local(2026, 1, 5, 12)

    async def work(c: Clock) -> str:
        return c.today().isoformat()

    scheduler = Scheduler(db, [Job("digest", DailyAt.parse("18:00"), work)], clock, service="t")
    outcome = await scheduler.run_now("digest")
    assert outcome.ok and outcome.result == "2026-01-05"
    [state] = await scheduler.states()
    assert state["last_outcome"] == "ok" and state["next_run_at"] == datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
    assert await db[JOBS_COLLECTION].count_documents({}) == 1


async def test_the_clean_up_deletes_only_old_sent_events_and_old_idempotency_records(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    clock = FakeClock(datetime(2026, 5, 20, tzinfo=UTC))
    old, recent = clock.now() - timedelta(days=8), clock.now() - timedelta(days=1)
    await db.outbox.insert_many([
        {"_id": "old-sent", "status": "sent", "sent_at": old, "created_at": old},
        {"_id": "recent-sent", "status": "sent", "sent_at": recent, "created_at": recent},
        {"_id": "old-pending", "status": "pending", "created_at": old},
        {"_id": "old-unroutable", "status": "unroutable", "created_at": old},
    ])
    await db.idempotency_keys.insert_many([
        {"_id": "old", "state": "done", "created_at": clock.now() - timedelta(hours=25)},
        {"_id": "fresh", "state": "done", "created_at": clock.now() - timedelta(hours=1)},
    ])
    assert await delete_sent_outbox(db, clock) == 1
    assert await delete_expired_idempotency(db, clock) == 1
    assert sorted(await db.outbox.distinct("_id")) == ["old-pending", "old-unroutable", "recent-sent"]
    assert await db.idempotency_keys.distinct("_id") == ["fresh"]


async def test_stopping_does_not_wait_a_poll_when_a_call_below_swallowed_the_cancel(
        db: AsyncDatabase[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    entered = asyncio.Event()

    async def swallowing(self: Scheduler, job: Job, *, due_only: bool) -> None:
        entered.set()
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            return None  # what a driver call cancelled mid-way can do: the cancel never reaches the loop

    monkeypatch.setattr(Scheduler, "_attempt", swallowing)
    job = Job("quiet", Every(3600), lambda c: asyncio.sleep(0))
    scheduler = Scheduler(db, [job], FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC)), service="t",
                          poll_seconds=60)
    await scheduler.prepare()
    scheduler.start()
    await entered.wait()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await scheduler.stop()
    assert loop.time() - started < 2  # without the check: the 10 s stop gives up on a task sleeping 60 s


async def test_an_idle_scheduler_sleeps_until_its_jobs_are_due_instead_of_trying_every_poll(
        db: AsyncDatabase[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []

    async def record(name: str) -> None:
        runs.append(name)

    nightly = Job("nightly", DailyAt.parse("03:00"), lambda c: record("nightly"))
    frequent = Job("frequent", Every(0.3), lambda c: record("frequent"))
    scheduler = Scheduler(db, [nightly, frequent], SystemClock(), service="idle",
                          poll_seconds=0.05, max_wait_seconds=0.5)
    tries: list[str] = []
    real_acquire = scheduler._store.acquire

    async def counted_acquire(name: str, *args: Any, **kwargs: Any) -> Any:
        tries.append(name)  # a conditional write to the job's document, whether or not it takes the lease
        return await real_acquire(name, *args, **kwargs)

    monkeypatch.setattr(scheduler._store, "acquire", counted_acquire)
    await scheduler.prepare()
    scheduler.start()
    await asyncio.sleep(2.0)
    await scheduler.stop()
    # Before, each job tried to take its lease every poll: some 40 writes each in 2 s.
    assert "nightly" not in tries and "nightly" not in runs
    assert 4 <= runs.count("frequent") <= 8  # due every 0.3 s: it still runs on time
    assert tries.count("frequent") == runs.count("frequent")
