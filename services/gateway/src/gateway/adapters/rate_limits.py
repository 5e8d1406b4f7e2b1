"""Rate limits on the ``limits`` library's moving window, counted in memory
(``make run``, tests) or in MongoDB so that every gateway replica enforces
one limit (production).

In memory, ``limits``' own ``MemoryStorage`` starts a sweep of every key on
each hit whose previous sweep has finished, and hands each key's bisect to a
thread: a fifth of the gateway's CPU under load went there (py-spy). The
storage below keeps each key's hits in a deque, oldest first, drops the
expired ones from the left when the key is next used, and forgets idle keys
in one pass per window.

``limits`` ships a MongoDB storage on Motor, which is at its end of life; the
storage below speaks the same moving-window contract on PyMongo's async API.
A key's document keeps the timestamps of its last ``limit`` hits, newest
first. A hit is one atomic update that pushes a timestamp only while the
``limit``-th newest is older than the window: when it is not, the filter does
not match, the upsert collides with the existing ``_id``, and the hit is
refused. Documents expire (TTL index) once their window has passed.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from limits import RateLimitItemPerMinute
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from coop_shared.persistence.mongo import IndexSpec
from gateway.domain.rate_limit import Decision

RATE_LIMITS = "rate_limits"
RATE_LIMIT_INDEXES = [
    IndexSpec(RATE_LIMITS, [("expire_at", 1)], "rate_limits_expire", options={"expireAfterSeconds": 0}),
]
WINDOW_SECONDS = 60.0


class MongoMovingWindowStorage(Storage, MovingWindowSupport):
    """A moving-window storage for ``limits`` on an AsyncMongoClient collection."""

    # Built directly (with a collection), never from a URI; the base class declares it an attribute.
    STORAGE_SCHEME = ["coop-mongodb"]  # noqa: RUF012

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        super().__init__()
        self._collection = collection

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return PyMongoError

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        try:
            await self._collection.find_one_and_update(
                {"_id": key, f"entries.{limit - amount}": {"$not": {"$gte": now - expiry}}},
                {"$push": {"entries": {"$each": [now] * amount, "$position": 0, "$slice": limit}},
                 "$set": {"expire_at": datetime.fromtimestamp(now + expiry, UTC)}},
                upsert=True, return_document=ReturnDocument.AFTER, projection={"_id": 1})
        except DuplicateKeyError:
            return False  # the key exists and its window is full
        return True

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        doc = await self._collection.find_one({"_id": key}, {"entries": 1})
        inside = [t for t in (doc or {}).get("entries", []) if t >= now - expiry]
        return (min(inside) if inside else now), len(inside)

    # Fixed-window counters (unused by the moving window, required by the interface).
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        doc = await self._collection.find_one_and_update(
            {"_id": f"counter:{key}"},
            {"$inc": {"count": amount}, "$setOnInsert": {"expire_at": datetime.fromtimestamp(now + expiry, UTC)}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return int(doc["count"]) if doc else amount

    async def get(self, key: str) -> int:
        doc = await self._collection.find_one({"_id": f"counter:{key}"})
        return int(doc["count"]) if doc else 0

    async def get_expiry(self, key: str) -> float:
        doc = await self._collection.find_one({"_id": f"counter:{key}"})
        expire_at: datetime | None = doc.get("expire_at") if doc else None
        return expire_at.timestamp() if expire_at else time.time()

    async def check(self) -> bool:
        await self._collection.database.command("ping")
        return True

    async def reset(self) -> int | None:
        return (await self._collection.delete_many({})).deleted_count

    async def clear(self, key: str) -> None:
        await self._collection.delete_many({"_id": {"$in": [key, f"counter:{key}"]}})


class InMemoryMovingWindowStorage(Storage, MovingWindowSupport):
    """A moving-window storage for ``limits`` in this process: each hit costs O(1) amortised and never leaves
    the event loop (nothing in it awaits, so one key's hits cannot interleave)."""

    STORAGE_SCHEME = ["coop-memory"]  # noqa: RUF012

    def __init__(self, now: Callable[[], float] = time.time, sweep_every_seconds: float = WINDOW_SECONDS) -> None:
        super().__init__()
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._longest_window = 0  # what a sweep waits for before it forgets a key
        self._sweep_every = sweep_every_seconds
        self._next_sweep = now() + sweep_every_seconds

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ()

    def _inside(self, key: str, expiry: int, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            self._longest_window = max(self._longest_window, expiry)
        while hits and hits[0] < now - expiry:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        """Forget the keys whose every hit has left its window, so memory follows the active keys."""
        self._next_sweep = now + self._sweep_every
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] < now - self._longest_window]:
            del self._hits[key]

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self._now()
        if now >= self._next_sweep:
            self._sweep(now)
        hits = self._inside(key, expiry, now)
        if len(hits) + amount > limit:
            return False
        hits.extend([now] * amount)
        return True

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self._now()
        hits = self._hits.get(key)
        if not hits:
            return now, 0
        hits = self._inside(key, expiry, now)
        return (hits[0] if hits else now), len(hits)

    @property
    def keys(self) -> int:
        """How many keys are remembered (what memory grows with)."""
        return len(self._hits)

    # Fixed-window counters: abstract in the interface, never called by the moving window.
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("a moving window has no fixed-window counter")

    async def get(self, key: str) -> int:
        raise NotImplementedError("a moving window has no fixed-window counter")

    async def get_expiry(self, key: str) -> float:
        raise NotImplementedError("a moving window has no fixed-window counter")

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._hits)
        self._hits.clear()
        return count

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)


def storage_for(kind: str, db: AsyncDatabase[dict[str, Any]]) -> Storage:
    if kind == "mongodb":
        return MongoMovingWindowStorage(db[RATE_LIMITS])
    return InMemoryMovingWindowStorage()


class MovingWindowLimit:
    """One quota (``per_minute`` requests in any 60 s) for any key."""

    window_seconds = WINDOW_SECONDS

    def __init__(self, strategy: MovingWindowRateLimiter, per_minute: int, name: str) -> None:
        if per_minute < 1:
            raise ValueError("a limit must allow at least one request")
        self._strategy = strategy
        self._item = RateLimitItemPerMinute(per_minute, namespace=f"gateway:{name}")

    async def hit(self, key: str) -> Decision:
        allowed = await self._strategy.hit(self._item, key)
        stats = await self._strategy.get_window_stats(self._item, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed=allowed, retry_after=0 if allowed else max(1, reset), limit=self._item.amount,
                        remaining=max(0, stats.remaining), reset=reset)
