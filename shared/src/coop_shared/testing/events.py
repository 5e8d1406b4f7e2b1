"""A test consumer: reads what a service published to a queue bound for the test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika


class EventTap:
    def __init__(self, queue: aio_pika.abc.AbstractQueue,
                 connection: aio_pika.abc.AbstractRobustConnection | None = None) -> None:
        self._queue = queue
        self.connection = connection
        self.events: list[dict[str, Any]] = []

    async def _take(self) -> bool:
        message = await self._queue.get(fail=False)
        if message is None:
            return False
        await message.ack()
        self.events.append(json.loads(message.body))
        return True

    async def drain(self, settle: float = 0.4) -> list[dict[str, Any]]:
        """Read until the queue has stayed empty for ``settle`` seconds."""
        quiet = 0.0
        while quiet < settle:
            if await self._take():
                quiet = 0.0
            else:
                await asyncio.sleep(0.05)
                quiet += 0.05
        return self.events

    async def wait_for(self, event_type: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.of(event_type)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{event_type}: {len(self.of(event_type))} of {count} events arrived; got "
                                     f"{[e['type'] for e in self.events]}")
            if not await self._take():
                await asyncio.sleep(0.05)
        return self.of(event_type)

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]
