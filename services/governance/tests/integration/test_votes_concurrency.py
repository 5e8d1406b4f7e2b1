"""One person, one vote under concurrency: many identical requests at once count once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from coop_shared.clock import to_millis
from governance.adapters.ballot_seal import BallotSeal
from governance.adapters.ballots import BallotRepository, BallotSealed
from governance.domain.resolution import BallotKind, Choice

from .conftest import OPENS, Gov


async def _stored(gov: Gov, resolution_id: str) -> tuple[int, int]:
    participations = await gov.db.participations.count_documents({"resolution_id": resolution_id})
    counted = 0
    async for shard in gov.db.ballot_counters.find({"resolution_id": resolution_id}):
        counted += shard["participants"]
    return participations, counted


@pytest.mark.parametrize("ballot", ["open", "secret"])
async def test_a_hundred_identical_votes_at_once_count_once(gov: Gov, ballot: str) -> None:
    await gov.members_with_shares("ann", "bob")
    assembly = await gov.create([{"text": "Adopt the budget", "ballot": ballot}])
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    await gov.open(aid)

    responses = await asyncio.gather(*(gov.vote("ann", rid, "for") for _ in range(100)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 99}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"already_voted"}
    assert await _stored(gov, rid) == (1, 1)

    await gov.close(aid)
    result = (await gov.results(aid))[rid]
    assert (result["participants"], result["votes_for"]) == (1, 1)


async def test_a_proxy_holder_firing_at_once_counts_exactly_twice(gov: Gov) -> None:
    await gov.members_with_shares("holder", "giver", "other")
    assembly = await gov.create([{"text": "Open ballot"}, {"text": "Secret ballot", "ballot": "secret"}])
    aid = assembly["id"]
    await gov.convene(aid)
    assert (await gov.proxy("giver", "holder", aid)).status_code == 201
    await gov.open(aid)

    for resolution in assembly["agenda"]:
        rid = resolution["id"]
        own = [gov.vote("holder", rid, "for") for _ in range(100)]
        proxied = [gov.vote("holder", rid, "against", on_behalf_of="giver") for _ in range(100)]
        # The giver also tries, and must never get a vote in.
        giver = [gov.vote("giver", rid, "abstain") for _ in range(20)]
        responses = await asyncio.gather(*own, *proxied, *giver)
        assert sum(r.status_code == 201 for r in responses) == 2
        accepted = sorted(r.json()["elector_id"] for r in responses if r.status_code == 201)
        assert accepted == ["giver", "holder"]
        assert {r.json()["error"]["code"] for r in responses[200:]} == {"proxy_giver_cannot_vote"}
        assert await _stored(gov, rid) == (2, 2)

    await gov.close(aid)
    for result in (await gov.results(aid)).values():
        assert (result["participants"], result["votes_for"], result["votes_against"]) == (2, 1, 1)


async def test_an_open_vote_can_change_only_where_allowed(gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob")
    assembly = await gov.create([{"text": "Open", "ballot": "open"}, {"text": "Secret", "ballot": "secret"}],
                                allow_vote_change=True)
    aid = assembly["id"]
    open_rid, secret_rid = (r["id"] for r in assembly["agenda"])
    await gov.convene(aid)
    await gov.open(aid)

    assert (await gov.vote("ann", open_rid, "for")).json()["changed"] is False
    changed = await gov.vote("ann", open_rid, "against")
    assert changed.status_code == 201 and changed.json()["changed"] is True
    # Racing changes still leave one participation.
    await asyncio.gather(*(gov.vote("ann", open_rid, c) for c in ("for", "abstain", "against") * 10))
    assert (await _stored(gov, open_rid))[0] == 1
    final = await gov.vote("ann", open_rid, "abstain")
    assert final.status_code == 201

    assert (await gov.vote("ann", secret_rid, "for")).status_code == 201
    no_change = await gov.vote("ann", secret_rid, "against")
    assert no_change.status_code == 409 and no_change.json()["error"]["code"] == "already_voted"

    await gov.close(aid)
    results = await gov.results(aid)
    assert (results[open_rid]["abstentions"], results[open_rid]["participants"]) == (1, 1)
    assert (results[secret_rid]["votes_for"], results[secret_rid]["participants"]) == (1, 1)


async def test_a_vote_after_the_seal_is_refused(gov: Gov) -> None:
    """Closing seals the counters in the tallying transaction; a vote that commits
    after that conflicts with the seal, retries, and is refused."""
    await gov.members_with_shares("ann")
    assembly = await gov.create()
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    await gov.open(aid)
    settings = gov.app.state.runtime.settings
    ballots = BallotRepository(gov.db, shards=settings.ballot_counter_shards,
                               seal=BallotSeal(settings.ballot_sealing_key.get_secret_value().encode()))
    runtime = gov.app.state.runtime

    async def seal(session: object) -> None:
        await ballots.seal(aid, session)  # type: ignore[arg-type]

    await runtime.commit(seal)

    async def vote(session: object) -> None:
        await ballots.record(assembly_id=aid, resolution_id=rid, ballot=BallotKind.OPEN, elector_id="ann",
                             cast_by="ann", choice=Choice.FOR, change_of=None, now=to_millis(OPENS),
                             session=session)  # type: ignore[arg-type]

    with pytest.raises(BallotSealed):
        await runtime.commit(vote)
    assert await _stored(gov, rid) == (0, 0)  # the participation was rolled back with it
    refused = await gov.vote("ann", rid)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "voting_closed"
