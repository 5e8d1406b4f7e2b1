"""The background loop of the reminder job outlives a failing run and stops cleanly."""

from __future__ import annotations

import asyncio

from invoicing.service_layer.dunning import PeriodicJob


async def test_a_failing_run_does_not_stop_the_loop_and_stop_cancels_it() -> None:
    calls: list[int] = []

    async def job() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("database hiccup")

    loop = PeriodicJob("test", job, interval=0.01)
    loop.start()
    loop.start()  # idempotent: still one task
    for _ in range(100):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.01)
    await loop.stop()
    seen = len(calls)
    assert seen >= 3 and loop.runs >= 2
    await asyncio.sleep(0.05)
    assert len(calls) == seen  # nothing runs after stop
    await loop.stop()  # stopping twice is harmless
