"""Argon2id hashing runs in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
import time

from members.adapters.passwords import PasswordHasher


async def test_hash_and_verify() -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=8192, parallelism=1)
    stored = await hasher.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert await hasher.verify(stored, "correct horse battery staple")
    assert not await hasher.verify(stored, "correct horse battery stapl")
    assert not await hasher.verify(None, "correct horse battery staple")  # unknown account: still hashes
    assert not await hasher.verify("not a hash", "x")
    assert not hasher.needs_rehash(stored)
    assert PasswordHasher(time_cost=2, memory_kib=8192, parallelism=1).needs_rehash(stored)


async def test_the_event_loop_keeps_serving_while_a_password_is_hashed() -> None:
    hasher = PasswordHasher()  # production cost: tens of milliseconds of CPU
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0.002)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await hasher.hash("correct horse battery staple")
    elapsed = time.perf_counter() - started
    done = True
    await task
    # Had the hash run on the loop, the ticker could not have run meanwhile.
    assert elapsed > 0.02 and ticks >= 5, (elapsed, ticks)
