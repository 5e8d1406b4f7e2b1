"""The delivery workers: an empty queue is read by one task, ever more slowly; committed work wakes them all."""

from __future__ import annotations

import asyncio
from datetime import datetime

from notifications.service_layer.workers import QueueWorker


async def test_an_idle_worker_pool_reads_its_queue_rarely_and_work_wakes_every_task() -> None:
    steps = 0
    next_due_reads = 0
    queued = 0
    running = 0
    most_at_once = 0

    async def step() -> bool:
        nonlocal steps, queued, running, most_at_once
        steps += 1
        if queued == 0:
            return False
        queued -= 1
        running += 1
        most_at_once = max(most_at_once, running)
        await asyncio.sleep(0.05)  # a delivery takes a while: the others take the next ones meanwhile
        running -= 1
        return True

    async def next_due() -> datetime | None:
        nonlocal next_due_reads
        next_due_reads += 1
        return None

    wakeup = asyncio.Event()
    worker = QueueWorker("test", step=step, next_due=next_due, wakeup=wakeup, concurrency=4, poll_seconds=0.05,
                         idle_poll_seconds=0.4)
    worker.start()
    await asyncio.sleep(1.5)
    # Before: every one of the 4 tasks claimed every 0.05 s, some 120 claims and 120 reads in 1.5 s.
    assert steps <= 15 and next_due_reads <= 8
    queued = 12
    wakeup.set()  # what a commit in this process does
    for _ in range(40):
        if queued == 0 and running == 0:
            break
        await asyncio.sleep(0.05)
    await worker.stop()
    assert queued == 0 and most_at_once >= 3
