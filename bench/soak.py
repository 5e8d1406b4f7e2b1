"""``make soak``: an hour of steady use of the platform as ``make run`` starts it, to see it does not decay.

A few dozen members use the platform at a steady pace (their profile, their invoices and inbox; now and then
a new invoice issued). Every window (5 minutes by default) prints p50/p99 of each route and the CPU the
database used in that window; after the load, the platform stays idle for a minute and the database's CPU
is measured again. Goals: the last window's p99 within 1.5× of the first's on every route, and the idle
database under 5 % of a core.

Usage: ``python -m bench.soak [--minutes 60] [--window-minutes 5] [--members 40] [--rate 12]``
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import sys
import time
from pathlib import Path

import httpx

from bench.load import SCENARIO_ENV, Driver, Person, Recorder, gather_bounded, issue_with_retries, join
from bench.platform_process import ADMIN_EMAIL, ADMIN_PASSWORD, cpu_seconds, start_platform

GOAL_DRIFT = 1.5
GOAL_IDLE_CPU_PERCENT = 5.0


async def use(driver: Driver, person: Person, rng: random.Random) -> None:
    """One thing a member does: mostly reading, sometimes issuing an invoice."""
    roll = rng.random()
    if roll < 0.35:
        await driver.as_(person, "GET /members/me", "GET", "/api/v1/members/me")
    elif roll < 0.65:
        await driver.as_(person, "GET /invoices", "GET", "/api/v1/invoices", params={"limit": 20})
    elif roll < 0.9:
        await driver.as_(person, "GET /inbox", "GET", "/api/v1/inbox")
    else:
        draft = await driver.as_(person, "POST /invoices", "POST", "/api/v1/invoices", json={
            "activity_id": person.activity_id, "client_id": person.client_id,
            "lines": [{"description": "Steady work", "quantity": "1", "unit": "C62", "unit_price": "120.00",
                       "vat_rate": "21"}]})
        if draft.status_code == 201:
            await issue_with_retries(driver, person, draft.json()["id"])


def window_lines(index: int, recorder: Recorder, database_cpu: float) -> list[str]:
    return [f"window {index + 1}: database CPU {database_cpu:.1f} % of a core", *recorder.table()]


async def soak(gateway: str, database_pid: int | None, *, minutes: float, window_minutes: float, members: int,
               rate: float, idle_seconds: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
        setup = Driver(client, gateway)
        admin = Person(0, ADMIN_EMAIL, ADMIN_PASSWORD)
        people = await gather_bounded([functools.partial(join, setup, admin, i, invoices=True)
                                       for i in range(1, members + 1)], 8)
        windows: list[Recorder] = []
        ended = time.monotonic() + minutes * 60
        tasks: set[asyncio.Task[None]] = set()
        while time.monotonic() < ended:
            driver = Driver(client, gateway)
            cpu_before = cpu_seconds(database_pid) if database_pid else 0.0
            began = time.monotonic()
            closes = min(began + window_minutes * 60, ended)
            next_at = began
            while time.monotonic() < closes:
                next_at += rng.expovariate(rate)  # a steady pace: Poisson arrivals
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                task = asyncio.create_task(use(driver, rng.choice(people), rng))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.gather(*tasks, return_exceptions=True)
            elapsed = time.monotonic() - began
            cpu = (cpu_seconds(database_pid) - cpu_before) / elapsed * 100 if database_pid else float("nan")
            windows.append(driver.recorder)
            for line in window_lines(len(windows) - 1, driver.recorder, cpu):
                print(line, flush=True)
    idle_cpu = float("nan")
    if database_pid:
        before = cpu_seconds(database_pid)
        await asyncio.sleep(idle_seconds)
        idle_cpu = (cpu_seconds(database_pid) - before) / idle_seconds * 100
    first, last = windows[0], windows[-1]
    drifts = {route: last.p99_ms(route) / first.p99_ms(route)
              for route in first.latencies if route in last.latencies and first.p99_ms(route) > 0}
    worst = max(drifts, key=lambda r: drifts[r]) if drifts else None
    print(f"idle database after the load: {idle_cpu:.1f} % of a core over {idle_seconds:.0f} s")
    if worst is not None:
        print(f"goal last window p99 within {GOAL_DRIFT}× of the first: "
              f"{'met' if drifts[worst] <= GOAL_DRIFT else 'NOT met'} (worst {worst}: {drifts[worst]:.2f}×)")
    print(f"goal idle database under {GOAL_IDLE_CPU_PERCENT:.0f} %: "
          f"{'met' if idle_cpu < GOAL_IDLE_CPU_PERCENT else 'NOT met'}")
    server_errors = sum(w.server_errors for w in windows)
    if server_errors:
        print(f"LOST OR BROKEN: {server_errors} answers were 5xx or none at all")
    return 1 if server_errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--window-minutes", type=float, default=5)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--rate", type=float, default=12, help="actions per second")
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--data-dir", default=".data/soak")
    args = parser.parse_args(argv)
    platform = start_platform(Path(args.data_dir), SCENARIO_ENV)
    try:
        return asyncio.run(soak(platform.gateway, platform.pids().get("database"), minutes=args.minutes,
                                window_minutes=args.window_minutes, members=args.members, rate=args.rate,
                                idle_seconds=args.idle_seconds))
    finally:
        platform.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
