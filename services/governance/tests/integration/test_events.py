"""Events leave through the outbox once per transition, addressed to the electorate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import FakeClock
from coop_shared.contracts import by_type
from coop_shared.testing.fixtures import running, trust_test_key
from governance.config import GovernanceSettings
from governance.main import create_app

from .conftest import T0, EventTap, Gov


async def test_each_transition_is_announced_once(tap: EventTap, gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob", "cas")
    assembly = await gov.create([{"text": "Accounts"}, {"text": "Board", "ballot": "secret",
                                                        "majority": "two_thirds"}])
    aid = assembly["id"]
    await gov.convene(aid)
    await gov.act(aid, "convene", expect=409)  # a second click changes nothing
    await gov.open(aid)
    await gov.act(aid, "open-voting", expect=409)
    for voter in ("ann", "bob"):
        for r in assembly["agenda"]:
            await gov.vote(voter, r["id"], "for")
    await gov.close(aid, **{"Idempotency-Key": "close-1"})
    gov.clock.advance(timedelta(minutes=1))
    replay = await gov.act(aid, "close-voting", **{"Idempotency-Key": "close-1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    await gov.act(aid, "close-voting", expect=409)

    await tap.wait_for("governance.results.published.v1")
    events = await tap.drain()
    assert Counter(e["type"] for e in events) == {
        "governance.assembly.convened.v1": 1, "governance.voting.opened.v1": 1,
        "governance.voting.closed.v1": 1, "governance.results.published.v1": 1}
    assert len({e["id"] for e in events}) == 4
    for e in events:
        # Valid against the published contract, addressed to the whole electorate, about this assembly.
        model = by_type()[e["type"]].model
        data = model.model_validate(e["data"])
        assert e["subject"] == aid and e["source"] == "governance"
        assert e["data"]["member_ids"] == ["ann", "bob", "cas"] and e["data"]["electorate_size"] == 3
        assert (e["data"]["batch"], e["data"]["batches"]) == (1, 1)
        assert data.assembly_id == aid  # type: ignore[attr-defined]
    convened = tap.of("governance.assembly.convened.v1")[0]["data"]
    assert [item["text"] for item in convened["agenda"]] == ["Accounts", "Board"]
    assert convened["convocation_day"] == T0.date().isoformat()
    published = tap.of("governance.results.published.v1")[0]["data"]
    assert published["participants"] == 2
    assert [(r["number"], r["votes_for"], r["adopted"]) for r in published["results"]] == [(1, 2, True), (2, 2, True)]
    assert await gov.db.outbox.count_documents({"status": {"$ne": "sent"}}) == 0


async def test_large_electorates_are_addressed_in_batches(
    settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., dict[str, str]],
    tap: EventTap,
) -> None:
    settings: GovernanceSettings = settings_for(GovernanceSettings, event_batch_size=2)
    clock = FakeClock(T0 - timedelta(days=1))
    app = trust_test_key(create_app(settings, clock=clock), signing_key)
    members = [f"m{n}" for n in range(5)]
    async with running(app) as client:
        gov = Gov(client, app, clock, token_for, admin=token_for("admin-1", role="admin"))
        await gov.members_with_shares(*members)
        assembly = await gov.create()
        await gov.convene(assembly["id"])
        batches = await tap.wait_for("governance.assembly.convened.v1", count=3)
        await tap.drain(settle=0.3)
    assert len(tap.of("governance.assembly.convened.v1")) == 3
    assert sorted(b["data"]["batch"] for b in batches) == [1, 2, 3]
    assert {b["data"]["batches"] for b in batches} == {3}
    addressed = [m for b in batches for m in b["data"]["member_ids"]]
    assert sorted(addressed) == members  # everyone once, nobody twice
    assert {b["data"]["electorate_size"] for b in batches} == {5}


async def test_recommendation_events(tap: EventTap, gov: Gov) -> None:
    submitted = await gov.client.post("/api/v1/recommendations", headers=gov.member("ann"),
                                      json={"title": "Monthly fund report", "text": "Please publish it."})
    rid = submitted.json()["id"]
    gov.clock.advance(timedelta(hours=1))
    patched = await gov.client.patch(f"/api/v1/recommendations/{rid}/status", headers=gov.admin,
                                     json={"status": "in_progress", "note": "On the board's agenda"})
    assert patched.status_code == 200
    await tap.wait_for("governance.recommendation.status_changed.v1")
    events = await tap.drain()
    assert [e["type"] for e in events] == ["governance.recommendation.submitted.v1",
                                           "governance.recommendation.status_changed.v1"]
    changed = events[1]["data"]
    assert (changed["member_id"], changed["from_status"], changed["to_status"]) == ("ann", "submitted", "in_progress")
    assert changed["note"] == "On the board's agenda" and changed["title"] == "Monthly fund report"
