"""The in-memory moving window: the same answers as ``limits``' own storage, on a clock the test moves, without
a task or a thread per hit, and with memory that follows the keys in use."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from gateway.adapters.rate_limits import InMemoryMovingWindowStorage


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_refuses_the_hit_over_its_limit_until_the_oldest_leaves_it() -> None:
    clock = Clock()
    strategy = MovingWindowRateLimiter(InMemoryMovingWindowStorage(now=clock))
    item = RateLimitItemPerMinute(3)
    for _ in range(3):
        assert await strategy.hit(item, "ip-1")
        clock.now += 10
    assert not await strategy.hit(item, "ip-1")
    assert await strategy.hit(item, "ip-2")  # another key has its own window
    stats = await strategy.get_window_stats(item, "ip-1")
    assert (stats.remaining, stats.reset_time) == (0, 1_000_000.0 + 60)
    clock.now = 1_000_000.0 + 60.5  # the first hit has left the window, the other two have not
    assert await strategy.hit(item, "ip-1")
    assert not await strategy.hit(item, "ip-1")


async def test_a_hit_of_several_entries_counts_them_all() -> None:
    strategy = MovingWindowRateLimiter(InMemoryMovingWindowStorage(now=Clock()))
    item = RateLimitItemPerMinute(5)
    assert await strategy.hit(item, "k", cost=4)
    assert not await strategy.hit(item, "k", cost=2)
    assert not await strategy.hit(item, "k", cost=6)
    assert await strategy.hit(item, "k")
    assert (await strategy.get_window_stats(item, "k")).remaining == 0


@pytest.mark.parametrize("seed", range(5))
async def test_it_answers_as_the_library_storage_does_on_the_same_hits(seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock()
    ours = MovingWindowRateLimiter(InMemoryMovingWindowStorage(now=clock))
    theirs = MovingWindowRateLimiter(MemoryStorage())
    item = RateLimitItemPerMinute(4)
    answers: list[tuple[bool, bool]] = []
    for _ in range(60):
        clock.now += rng.choice([0.5, 3, 7, 20])
        key = rng.choice(["a", "b"])
        # The library's storage reads time.time(); both see the same gaps when it is moved alongside.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("time.time", clock)
            answers.append((await ours.hit(item, key), await theirs.hit(item, key)))
    assert all(a == b for a, b in answers), answers
    assert any(not a for a, _ in answers) and any(a for a, _ in answers)


async def test_a_hit_starts_no_task_and_no_thread() -> None:
    strategy = MovingWindowRateLimiter(InMemoryMovingWindowStorage())
    item = RateLimitItemPerMinute(1000)
    await asyncio.sleep(0)
    tasks, threads = len(asyncio.all_tasks()), threading.active_count()
    for i in range(200):
        await strategy.hit(item, f"ip-{i % 7}")
        await strategy.get_window_stats(item, f"ip-{i % 7}")
    assert len(asyncio.all_tasks()) == tasks
    assert threading.active_count() == threads


async def test_idle_keys_are_forgotten_once_their_window_has_passed() -> None:
    clock = Clock()
    storage = InMemoryMovingWindowStorage(now=clock)
    strategy = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(10)
    for i in range(1000):
        await strategy.hit(item, f"ip-{i}")
    assert storage.keys == 1000
    clock.now += 61
    await strategy.hit(item, "still-here")
    assert storage.keys == 1
    assert (await strategy.get_window_stats(item, "ip-3")).remaining == 10
