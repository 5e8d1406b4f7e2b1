"""Use cases against in-memory repositories (cosmicpython's fake unit of work): no MongoDB, no broker.

Opening the vote of a convened assembly: the state change is saved in the repository and the
``governance.voting.opened.v1`` events addressing the frozen electorate are committed with it; a refused
opening stores nothing and publishes nothing. The runtime's database client never connects, so a use
case that bypassed its repository would fail here instead of passing."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from coop_shared.clock import FakeClock, to_millis
from coop_shared.contracts import governance as contract
from coop_shared.persistence.mongo import Document
from coop_shared.testing.memory import MemoryRuntime, memory_runtime
from governance.adapters.assemblies import changes_of
from governance.config import GovernanceSettings
from governance.domain.assembly import Assembly, convocation_day
from governance.domain.errors import ErrorCode, InvalidTransition
from governance.domain.lifecycle import AssemblyKind, AssemblyState, VotingWindow
from governance.domain.resolution import MajorityRule, Resolution
from governance.service_layer.assemblies import open_voting
from governance.service_layer.context import Context, bootstrap

from .fakes import FakeAssemblyRepository

OPENS = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
CONVENED_AT = OPENS - timedelta(days=15)
ELECTORS = ["m-3", "m-1", "m-2"]
OPENED_EVENT = contract.VotingOpened.event_type


def convened_document(assembly_id: str = "as-1") -> Document:
    """What create_assembly, add_resolution and convene leave in the ``assemblies`` collection."""
    assembly = Assembly(assembly_id, AssemblyKind.GENERAL, "AGM 2026", VotingWindow(OPENS, CLOSES),
                        allow_vote_change=False, max_proxies_per_voter=1)
    assembly.add_resolution(Resolution("r-1", "Approve the accounts", MajorityRule.SIMPLE, Fraction(1, 4)))
    assembly.convene(ELECTORS, CONVENED_AT)
    return {
        "_id": assembly.id, "kind": assembly.kind.value, "allow_vote_change": False, "max_proxies_per_voter": 1,
        "created_at": CONVENED_AT - timedelta(days=1), "created_by": "admin-1", "proxies_version": 0,
        **changes_of(assembly),
        "convocation_day": convocation_day(CONVENED_AT).isoformat(), "electorate_size": len(ELECTORS),
        "convened_by": "admin-1", "version": 2,
    }


async def in_memory(at: datetime) -> tuple[Context, MemoryRuntime, FakeAssemblyRepository]:
    """The production context over a memory runtime, its assemblies repository replaced by the fake,
    holding one convened assembly and its frozen electorate."""
    clock = FakeClock(at)
    runtime = memory_runtime(GovernanceSettings(event_batch_size=2), clock)
    assemblies = FakeAssemblyRepository()
    await assemblies.add(convened_document())
    await assemblies.freeze_electorate("as-1", ELECTORS, None)  # type: ignore[arg-type]  # fakes take no session
    return replace(await bootstrap(runtime), assemblies=assemblies), runtime, assemblies


async def test_opening_the_vote_saves_the_state_and_commits_voting_opened_for_the_electorate() -> None:
    now = OPENS + timedelta(minutes=1, microseconds=1234)
    ctx, runtime, assemblies = await in_memory(now)

    returned = await open_voting(ctx, "as-1")

    stored = assemblies.assemblies["as-1"]
    assert returned == stored
    assert stored["state"] == AssemblyState.VOTING_OPEN.value
    assert stored["opened_at"] == to_millis(now)
    assert stored["version"] == 3
    assert runtime.commits == 1
    # Two batches of at most event_batch_size electors, the electorate in id order, and nothing else.
    assert [e.type for e in runtime.outbox.events] == [OPENED_EVENT, OPENED_EVENT]
    for envelope in runtime.outbox.of_type(OPENED_EVENT):
        assert (envelope.source, envelope.subject) == ("governance", "as-1")
    assert [e.payload(contract.VotingOpened) for e in runtime.outbox.events] == [
        contract.VotingOpened(assembly_id="as-1", kind="general", title="AGM 2026", electorate_size=3,
                              member_ids=member_ids, batch=batch, batches=2, opened_at=to_millis(now),
                              closes_at=CLOSES)
        for batch, member_ids in [(1, ["m-1", "m-2"]), (2, ["m-3"])]
    ]


async def test_opening_before_the_window_is_refused_and_stores_and_publishes_nothing() -> None:
    ctx, runtime, assemblies = await in_memory(OPENS - timedelta(seconds=1))
    before = copy.deepcopy(assemblies.assemblies)

    with pytest.raises(InvalidTransition) as refused:
        await open_voting(ctx, "as-1")

    assert (refused.value.code, refused.value.field) == (ErrorCode.VOTING_NOT_OPEN, "opens_at")
    assert assemblies.assemblies == before
    assert runtime.outbox.events == []
    assert runtime.commits == 0


async def test_a_second_opening_is_refused_and_publishes_nothing_more() -> None:
    ctx, runtime, assemblies = await in_memory(OPENS)
    await open_voting(ctx, "as-1")
    after_first = copy.deepcopy(assemblies.assemblies)

    with pytest.raises(InvalidTransition) as refused:
        await open_voting(ctx, "as-1")

    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert assemblies.assemblies == after_first
    assert len(runtime.outbox.of_type(OPENED_EVENT)) == 2  # the first opening's batches only
    assert runtime.commits == 1
