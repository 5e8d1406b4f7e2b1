"""A sliding-window rate limiter (two fixed windows, weighted), in memory.

Per gateway replica: with N replicas a client gets up to N times the limit.
That is the usual trade for not adding a network round trip to every
request; the limits are set with it in mind (see docs/architecture.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds; 0 when allowed


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._counts: dict[str, tuple[int, int, int]] = {}  # key -> (window index, current, previous)

    def hit(self, key: str) -> Decision:
        now = self._clock()
        index = int(now // self._window)
        window_index, current, previous = self._counts.get(key, (index, 0, 0))
        if window_index != index:
            previous = current if window_index == index - 1 else 0
            current = 0
        elapsed = (now % self._window) / self._window
        estimated = previous * (1 - elapsed) + current
        if estimated + 1 > self._limit:
            # When would the weighted estimate drop below the limit again?
            if previous:
                needed = (estimated + 1 - self._limit) / previous
                wait = needed * self._window
            else:
                wait = (1 - elapsed) * self._window
            self._counts[key] = (index, current, previous)
            return Decision(False, max(1, math.ceil(wait)))
        if len(self._counts) >= self._max_keys and key not in self._counts:
            self._evict(index)
        self._counts[key] = (index, current + 1, previous)
        return Decision(True, 0)

    def _evict(self, index: int) -> None:
        # Forget keys not seen in the last two windows; bounded memory under a flood of IPs.
        self._counts = {k: v for k, v in self._counts.items() if v[0] >= index - 1}
        if len(self._counts) >= self._max_keys:
            self._counts.clear()
