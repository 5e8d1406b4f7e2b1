"""Group commit of the numbering: issuers queued on a series share one
transaction, refusals and failures leave no hole, and a request that goes
away does not take the others down with it (real database, synthetic issuers)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.errors import Conflict
from invoicing.service_layer.numbering import Numbering, Stage, Write, Written

from .conftest import Platform

YEAR = 2031


class Recorder:
    """Issuers that write ``{_id: name, number}`` into a scratch collection, and the groups the counter saw."""

    def __init__(self, platform: Platform, monkeypatch: Any) -> None:
        self.series = f"test-{uuid.uuid4().hex[:8]}"
        self.scratch = platform.runtime.db[f"numbered_{self.series}"]
        self.counters = platform.ctx.counters
        self.numbering = Numbering(platform.runtime, self.counters)
        self.groups: list[int] = []
        real_take = self.counters.take

        async def take(series: str, year: int, count: int, session: AsyncClientSession) -> int:
            if series == self.series:
                self.groups.append(count)
            return await real_take(series, year, count, session)

        monkeypatch.setattr(self.counters, "take", take)

    def stage(self, name: str, *, refuse: bool = False, fail: bool = False,
              gate: asyncio.Event | None = None, entered: asyncio.Event | None = None) -> Stage:
        async def stage(session: AsyncClientSession, number: int) -> Write:
            if entered is not None:
                entered.set()
            if gate is not None:
                await gate.wait()
            if refuse:
                raise Conflict("test.refused", f"{name} is refused.", "status")

            async def write(session: AsyncClientSession) -> Written:
                if fail:
                    raise RuntimeError(f"{name} cannot be written")
                doc = {"_id": name, "number": number}
                await self.scratch.insert_one(doc, session=session)
                return doc, []

            return write

        return stage

    def issue(self, name: str, **kwargs: Any) -> asyncio.Task[Any]:
        return asyncio.ensure_future(self.numbering.issue(self.series, YEAR, self.stage(name, **kwargs)))

    async def stored(self) -> dict[str, int]:
        return {doc["_id"]: doc["number"] async for doc in self.scratch.find()}

    async def counter(self) -> int:
        return await self.counters.value(self.series, YEAR)

    @asynccontextmanager
    async def behind_a_held_turn(self, queued: int) -> AsyncIterator[None]:
        """Issuer "a" holds the series' turn while the block queues ``queued`` issuers; then "a" gets 1."""
        gate, entered = asyncio.Event(), asyncio.Event()
        first = self.issue("a", gate=gate, entered=entered)
        await entered.wait()
        yield
        await until_queued(self, queued)
        gate.set()
        assert (await first)["number"] == 1


async def until_queued(recorder: Recorder, count: int) -> None:
    for _ in range(200):
        if len(recorder.numbering._series[recorder.counters.key(recorder.series, YEAR)].queue) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{count} issuers never queued")


async def test_issuers_queued_behind_a_turn_share_one_transaction_and_a_refusal_leaves_no_hole(
        platform: Platform, monkeypatch: Any) -> None:
    recorder = Recorder(platform, monkeypatch)
    async with recorder.behind_a_held_turn(queued=4):
        queued = [recorder.issue("b"), recorder.issue("c", refuse=True), recorder.issue("d"), recorder.issue("e")]
    outcomes: list[Any] = await asyncio.gather(*queued, return_exceptions=True)
    assert [o["number"] if isinstance(o, dict) else o.code for o in outcomes] == [2, "test.refused", 3, 4]
    assert recorder.groups == [1, 4]  # one transaction for the four; "c"'s number went to "d"
    assert await recorder.stored() == {"a": 1, "b": 2, "d": 3, "e": 4}
    assert await recorder.counter() == 4


async def test_a_group_that_fails_is_run_again_one_by_one_so_only_the_culprit_fails(
        platform: Platform, monkeypatch: Any) -> None:
    recorder = Recorder(platform, monkeypatch)
    async with recorder.behind_a_held_turn(queued=3):
        queued = [recorder.issue("b"), recorder.issue("c", fail=True), recorder.issue("d")]
    outcomes: list[Any] = await asyncio.gather(*queued, return_exceptions=True)
    assert isinstance(outcomes[1], RuntimeError) and "c cannot be written" in str(outcomes[1])
    assert [outcomes[0]["number"], outcomes[2]["number"]] == [2, 3]
    assert recorder.groups == [1, 3, 1, 1, 1]  # the group of three aborted whole, then each alone
    assert await recorder.stored() == {"a": 1, "b": 2, "d": 3}
    assert await recorder.counter() == 3


async def test_a_leader_that_goes_away_mid_transaction_leaves_its_group_numbered(
        platform: Platform, monkeypatch: Any) -> None:
    recorder = Recorder(platform, monkeypatch)
    slow, in_group = asyncio.Event(), asyncio.Event()
    async with recorder.behind_a_held_turn(queued=3):
        leader = recorder.issue("b", gate=slow, entered=in_group)  # first in line: it leads the next group
        others = [recorder.issue("c"), recorder.issue("d")]
    await in_group.wait()  # "b" leads [b, c, d] and its transaction is open
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    slow.set()
    assert [(await other)["number"] for other in others] == [3, 4]
    assert await recorder.stored() == {"a": 1, "b": 2, "c": 3, "d": 4}  # "b" was written all the same
    assert recorder.groups == [1, 3]


async def test_an_issuer_that_goes_away_before_its_turn_is_never_numbered(
        platform: Platform, monkeypatch: Any) -> None:
    recorder = Recorder(platform, monkeypatch)
    async with recorder.behind_a_held_turn(queued=1):
        gone, kept = recorder.issue("b"), recorder.issue("c")
        await until_queued(recorder, 2)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
    assert (await kept)["number"] == 2
    assert await recorder.stored() == {"a": 1, "c": 2}
    assert await recorder.counter() == 2


async def test_a_group_is_bounded_and_the_rest_waits_for_the_next_turn(platform: Platform, monkeypatch: Any) -> None:
    recorder = Recorder(platform, monkeypatch)
    recorder.numbering = Numbering(platform.runtime, recorder.counters, max_group=3)
    async with recorder.behind_a_held_turn(queued=7):
        queued = [recorder.issue(name) for name in "bcdefgh"]
    assert sorted([(await q)["number"] for q in queued]) == list(range(2, 9))
    assert recorder.groups == [1, 3, 3, 1]
    assert await recorder.counter() == 8
