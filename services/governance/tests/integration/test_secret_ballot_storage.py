"""A secret ballot stores nothing that links a person to a choice.

The test reads every collection of the service's database, as an operator
with full read access could, and looks for any way back from a voter to a
choice: a document holding both, a time or an order shared by both sides,
or a replay record that remembers the choice.
"""

from __future__ import annotations

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


async def test_no_stored_data_links_a_voter_to_a_secret_choice(gov: Gov) -> None:
    await gov.members_with_shares(*VOTERS, "holder", "giver")
    assembly = await gov.create([{"text": "Elect the board", "ballot": "secret"}])
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    assert (await gov.proxy("giver", "holder", aid)).status_code == 201
    await gov.open(aid)
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
    totals = {c: sum(s[c] for s in counters) for c in CHOICES}
    assert totals == {"for": 4, "against": 2, "abstain": 1}
    participations = await db.participations.count_documents({"resolution_id": rid})
    assert participations == sum(totals.values()) == sum(s["participants"] for s in counters) == 7

    await gov.close(aid)
    result = (await gov.results(aid))[rid]
    assert (result["votes_for"], result["votes_against"], result["abstentions"], result["participants"]) == (
        4, 2, 1, 7)
    minutes = (await gov.client.get(f"/api/v1/assemblies/{aid}/minutes", headers=gov.member("v1"))).text
    assert "Secret ballot: individual votes are not recorded." in minutes
    assert not any(f"{voter}:" in minutes for voter in electors)
