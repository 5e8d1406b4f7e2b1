"""Background loops that drain a delivery queue: a few concurrent tasks, woken
as soon as work is committed in this process. One of them (the lead) also polls,
since another replica may have committed work: no longer than until the next
retry is due, and ever more slowly (up to ``idle_poll_seconds``) while the queue
is empty; when it finds work it wakes the others. An idle service thus reads its
queue every few seconds instead of every task claiming from it every second."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from coop_shared.clock import wall_time
from coop_shared.observability.logging import get_logger

log = get_logger("workers")


class QueueWorker:
    def __init__(self, name: str, *, step: Callable[[], Awaitable[bool]],
                 next_due: Callable[[], Awaitable[datetime | None]], wakeup: asyncio.Event,
                 concurrency: int, poll_seconds: float, idle_poll_seconds: float | None = None) -> None:
        self._name = name
        self._step = step
        self._next_due = next_due
        self._wakeup = wakeup
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._idle_poll = idle_poll_seconds if idle_poll_seconds is not None else min(5.0, 20 * poll_seconds)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._tasks = [asyncio.create_task(self._run(lead=n == 0), name=f"{self._name}-{n}")
                       for n in range(self._concurrency)]

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let in-flight deliveries finish (their lease would bring them back
        anyway), then cancel what is still waiting."""
        self._stopping = True
        self._wakeup.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []

    async def _run(self, *, lead: bool) -> None:
        idle = self._poll
        while not self._stopping:
            try:
                if await self._step():
                    idle = self._poll
                    self._wakeup.set()  # there may be more: the others join in
                    continue
                if lead:
                    delay, idle = await self._sleep_time(idle)
                else:
                    delay = self._idle_poll * 10  # the lead polls; this one waits to be woken
            except Exception as exc:  # the database or a sender hiccup: keep the loop alive
                log.warning("worker_step_failed", worker=self._name, error=f"{type(exc).__name__}: {exc}"[:300])
                delay = self._poll
            if self._stopping:
                break
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=delay)

    async def _sleep_time(self, idle: float) -> tuple[float, float]:
        """How long the lead sleeps, and its next idle delay (doubling while the queue stays empty)."""
        due = await self._next_due()
        if due is None:
            return idle, min(idle * 2, self._idle_poll)
        return min(self._poll, max((due - wall_time()).total_seconds(), 0.01)), self._poll
