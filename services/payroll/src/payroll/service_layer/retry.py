"""Redo a unit of work when another writer changed the same activity first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from payroll.adapters.ledger_repository import StaleState

T = TypeVar("T")


async def retrying(work: Callable[[], Awaitable[T]], attempts: int = 16) -> T:
    """Run ``work``; on ``StaleState`` (its transaction was aborted) run it again from fresh reads."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except StaleState:
            if attempt == attempts:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * attempt))  # de-synchronise the racers
    raise AssertionError("unreachable")
