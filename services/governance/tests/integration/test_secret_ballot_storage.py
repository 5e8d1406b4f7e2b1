"""A secret ballot stores nothing that links a person to a choice.

The test reads every collection of the service's database, as an operator
with full read access could, and the database's change stream during the
vote (what the replication log and any follower see, transaction by
transaction), and looks for any way back from a voter to a choice: a
document or a change holding both, a counter moved by one vote, a box whose
size gives its content away, or a replay record that remembers the choice.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bson import ObjectId

from .conftest import Gov

VOTERS = {"v1": "for", "v2": "against", "v3": "abstain", "v4": "for", "v5": "for"}
CHOICES = {"for", "against", "abstain"}


def _values(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        return [v for value in doc.values() for v in _values(value)] + list(doc.keys())
    if isinstance(doc, list):
        return [v for value in doc for v in _values(value)]
    return [doc]


async def test_no_stored_or_replicated_data_links_a_voter_to_a_secret_choice(gov: Gov) -> None:
    await gov.members_with_shares(*VOTERS, "holder", "giver")
    assembly = await gov.create([{"text": "Elect the board", "ballot": "secret"}])
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    assert (await gov.proxy("giver", "holder", aid)).status_code == 201
    await gov.open(aid)
    changes: list[dict[str, Any]] = []
    stream = await gov.db.watch(full_document="updateLookup")

    async def watch() -> None:
        async for change in stream:
            changes.append(change)

    watcher = asyncio.create_task(watch())
    for n, (voter, choice) in enumerate(VOTERS.items()):
        response = await gov.vote(voter, rid, choice, **{"Idempotency-Key": f"k{n}"})
        assert response.status_code == 201
        assert "choice" not in response.json() or response.json()["choice"] is None
        # A replay is answered from the replay store: which must not know the choice either.
        replay = await gov.vote(voter, rid, choice, **{"Idempotency-Key": f"k{n}"})
        assert replay.headers.get("Idempotent-Replayed") == "true"
    assert (await gov.vote("holder", rid, "against", on_behalf_of="giver")).status_code == 201
    assert (await gov.vote("holder", rid, "for")).status_code == 201

    db = gov.db
    electors = {*VOTERS, "holder", "giver"}
    await _until(lambda: sum(c["ns"]["coll"] == "participations" for c in changes) == 7)
    watcher.cancel()
    await stream.close()
    # The change stream of the voting: no change carries a choice, and no choice counter moves while people vote.
    for change in changes:
        seen = _leaves({k: change.get(k) for k in ("fullDocument", "updateDescription", "documentKey")})
        assert not {v for v in seen if isinstance(v, str)} & CHOICES, change
        moved = set((change.get("updateDescription") or {}).get("updatedFields", {}))
        assert not moved & CHOICES, change
    boxes = [c["fullDocument"] for c in changes if c["ns"]["coll"] == "sealed_ballots"]
    assert len(boxes) == 7 and len({len(b["box"]) for b in boxes}) == 1  # every box the same size
    assert all(set(b) == {"_id", "assembly_id", "resolution_id", "box"} for b in boxes)
    for name in await db.list_collection_names():
        async for doc in db[name].find({}):
            values = _values(doc)
            strings = {v for v in values if isinstance(v, str)}
            if not electors & strings:
                continue
            # Whatever names a voter (electorate, proxies, read model, replay records,
            # participations) holds no choice.
            assert not strings & CHOICES, (name, doc)
            if rid in strings:
                # Naming both the voter and this resolution: only a participation, with
                # no time and no time-bearing id that could be matched with anything.
                assert name in ("participations", "idempotency_keys"), (name, doc)
            if name == "participations":
                assert set(doc) == {"_id", "assembly_id", "resolution_id", "elector_id", "cast_by"}, doc
                assert not isinstance(doc["_id"], ObjectId)  # an ObjectId embeds its creation time
                assert not any(isinstance(v, datetime) for v in values)
    # Events: only the convocation mentions the resolution; no event per vote.
    outbox = [doc async for doc in db.outbox.find({})]
    assert [d["type"] for d in outbox if rid in d["body"]] == ["governance.assembly.convened.v1"]

    counters = [doc async for doc in db.ballot_counters.find({"resolution_id": rid})]
    for shard in counters:
        assert not (electors & set(map(str, _values(shard))))
        assert not any(isinstance(v, datetime) for v in _values(shard))
    assert {c: sum(s[c] for s in counters) for c in CHOICES} == {"for": 0, "against": 0, "abstain": 0}
    participations = await db.participations.count_documents({"resolution_id": rid})
    assert participations == sum(s["participants"] for s in counters) == 7
    assert await db.sealed_ballots.count_documents({"resolution_id": rid}) == 7

    await gov.close(aid)
    # Counted in one transaction that folds every box in at once: afterwards, totals alone.
    assert await db.sealed_ballots.count_documents({}) == 0
    counters = [doc async for doc in db.ballot_counters.find({"resolution_id": rid})]
    assert {c: sum(s[c] for s in counters) for c in CHOICES} == {"for": 4, "against": 2, "abstain": 1}
    result = (await gov.results(aid))[rid]
    assert (result["votes_for"], result["votes_against"], result["abstentions"], result["participants"]) == (
        4, 2, 1, 7)
    minutes = (await gov.client.get(f"/api/v1/assemblies/{aid}/minutes", headers=gov.member("v1"))).text
    assert "Secret ballot: individual votes are not recorded." in minutes
    assert not any(f"{voter}:" in minutes for voter in electors)


def _leaves(doc: Any) -> list[Any]:
    """The values only (a counter's field names are no secret)."""
    if isinstance(doc, dict):
        return [v for value in doc.values() for v in _leaves(value)]
    if isinstance(doc, list):
        return [v for value in doc for v in _leaves(value)]
    return [doc]


async def _until(done: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 20)):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the change stream did not show every vote")
