"""Quorum and majority on their edges, counted through the API, and recounted from storage."""

from __future__ import annotations

from typing import Any

import pytest

from governance.service_layer.context import context_of
from governance.service_layer.results import recount

from .conftest import Gov

# Electorate of 12. Each case: resolution settings, then how many vote for / against / abstain.
CASES: list[tuple[str, dict[str, Any], tuple[int, int, int], dict[str, Any]]] = [
    ("exact two thirds", {"majority": "two_thirds"}, (4, 2, 3),
     {"adopted": True, "reason": "adopted"}),
    ("one short of two thirds", {"majority": "two_thirds"}, (3, 2, 0),
     {"adopted": False, "reason": "majority_not_reached"}),
    ("exact three quarters", {"majority": "three_quarters", "ballot": "secret"}, (3, 1, 5),
     {"adopted": True, "reason": "adopted"}),
    ("tie under simple majority", {"majority": "simple"}, (3, 3, 2),
     {"adopted": False, "reason": "majority_not_reached"}),
    ("one more for than against", {"majority": "simple", "ballot": "secret"}, (4, 3, 0),
     {"adopted": True, "reason": "adopted"}),
    ("everyone abstains", {"majority": "simple"}, (0, 0, 7),
     {"adopted": False, "reason": "no_votes_cast", "quorum_reached": True}),
    ("quorum missed by one", {"quorum": "1/2"}, (5, 0, 0),
     {"adopted": False, "reason": "quorum_not_reached", "quorum_required": 6, "quorum_reached": False}),
    ("quorum met exactly, abstentions count for it", {"quorum": "1/2", "ballot": "secret"}, (1, 0, 5),
     {"adopted": True, "reason": "adopted", "quorum_required": 6, "quorum_reached": True}),
    ("nobody votes", {"quorum": "0"}, (0, 0, 0),
     {"adopted": False, "reason": "no_votes_cast", "participants": 0}),
]
ELECTORATE = [f"m{n:02d}" for n in range(12)]


async def test_quorum_and_majority_edges(gov: Gov) -> None:
    await gov.members_with_shares(*ELECTORATE)
    assembly = await gov.create([{"text": name, **settings} for name, settings, _, _ in CASES])
    aid = assembly["id"]
    await gov.convene(aid)
    await gov.open(aid)
    for resolution, (_, _, counts, _) in zip(assembly["agenda"], CASES, strict=True):
        choices = ["for"] * counts[0] + ["against"] * counts[1] + ["abstain"] * counts[2]
        for voter, choice in zip(ELECTORATE, choices, strict=False):
            assert (await gov.vote(voter, resolution["id"], choice)).status_code == 201
    await gov.close(aid)

    results = await gov.results(aid)
    for resolution, (name, _, counts, expected) in zip(assembly["agenda"], CASES, strict=True):
        result = results[resolution["id"]]
        assert (result["votes_for"], result["votes_against"], result["abstentions"]) == counts, name
        assert result["electorate_size"] == 12
        for key, value in expected.items():
            assert result[key] == value, (name, key, result)

    # Reproducible: counting the stored ballots again gives the published figures.
    ctx = context_of(gov.app.state.runtime)
    doc = await gov.db.assemblies.find_one({"_id": aid})
    again = await recount(ctx, doc)
    for resolution in assembly["agenda"]:
        published, recounted = results[resolution["id"]], again[resolution["id"]]
        assert (recounted.votes_for, recounted.votes_against, recounted.abstentions, recounted.participants,
                recounted.adopted, recounted.reason.value) == (
            published["votes_for"], published["votes_against"], published["abstentions"],
            published["participants"], published["adopted"], published["reason"])
    via_api = await gov.client.get(f"/api/v1/assemblies/{aid}/results/recount", headers=gov.admin)
    assert via_api.json()["matches"] is True
    assert (await gov.client.get(f"/api/v1/assemblies/{aid}/results/recount",
                                 headers=gov.member("m01"))).status_code == 403


@pytest.mark.parametrize("tamper", ["drop_participation", "extra_secret_choice"])
async def test_a_recount_refuses_data_that_does_not_add_up(gov: Gov, tamper: str) -> None:
    await gov.members_with_shares("ann", "bob")
    assembly = await gov.create([{"text": "Secret", "ballot": "secret"}])
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    await gov.open(aid)
    await gov.vote("ann", rid, "for")
    await gov.vote("bob", rid, "against")
    await gov.close(aid)
    if tamper == "drop_participation":
        await gov.db.participations.delete_one({"resolution_id": rid, "elector_id": "bob"})
    else:
        await gov.db.ballot_counters.update_one({"_id": f"{rid}:0"}, {"$inc": {"for": 1}})
    response = await gov.client.get(f"/api/v1/assemblies/{aid}/results/recount", headers=gov.admin)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "tally_mismatch"
    assert "bob" not in response.text and "ann" not in response.text
