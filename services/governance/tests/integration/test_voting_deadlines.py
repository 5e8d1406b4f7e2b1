"""The voting window keeps itself: an assembly opens and closes on time with no
admin call, and its results and minutes are published right after closing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, trust_test_key
from governance.config import GovernanceSettings
from governance.main import create_app
from governance.service_layer import deadlines

from .conftest import CLOSES, OPENS, Gov


async def test_an_assembly_opens_and_closes_by_itself_and_publishes_within_seconds(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., dict[str, str]]) -> None:
    settings: GovernanceSettings = settings_for(GovernanceSettings, jobs_poll_seconds=0.1,
                                                voting_deadlines_job_seconds=0.1)
    app = trust_test_key(create_app(settings), signing_key)  # the real clock
    admin = token_for("admin-1", role="admin")
    async with running(app) as http:
        gov = Gov(http, app, app.state.clock, token_for, admin=admin)
        await gov.members_with_shares("ann", "bob")
        start = datetime.now(UTC)
        opens_at, closes_at = start + timedelta(seconds=3), start + timedelta(seconds=6)
        assembly = await gov.create(opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat())
        aid, rid = assembly["id"], assembly["agenda"][0]["id"]
        await gov.act(aid, "convene")  # the only admin step: convening freezes the electorate

        async def state() -> dict[str, Any]:
            doc: dict[str, Any] = (await http.get(f"/api/v1/assemblies/{aid}", headers=admin)).json()
            return doc

        assert (await state())["state"] == "convened"
        early = await gov.vote("ann", rid)
        assert early.json()["error"]["code"] == "voting_not_open"
        while (await state())["state"] == "convened":  # noqa: ASYNC110 - polling the API is what is tested
            await asyncio.sleep(0.05)
        opened_seen = datetime.now(UTC)
        assert opened_seen >= opens_at and opened_seen - opens_at < timedelta(seconds=2)
        assert (await gov.vote("ann", rid)).status_code == 201
        assert (await gov.vote("bob", rid, choice="against")).status_code == 201
        while (await state())["state"] != "results_published":
            assert datetime.now(UTC) < closes_at + timedelta(seconds=5), "results not published in time"
            await asyncio.sleep(0.05)
        published = datetime.fromisoformat((await state())["published_at"])
        results = await gov.results(aid)
        minutes = await http.get(f"/api/v1/assemblies/{aid}/minutes", headers=gov.member("ann"))
        jobs = (await http.get("/api/v1/admin/jobs/governance", headers=admin)).json()["items"]
    assert closes_at <= published < closes_at + timedelta(seconds=2)
    assert (results[rid]["votes_for"], results[rid]["votes_against"]) == (1, 1)
    assert minutes.status_code == 200 and "Approve the accounts" in minutes.text
    [deadlines] = [j for j in jobs if j["name"] == "voting-deadlines"]
    assert deadlines["last_outcome"] == "ok" and deadlines["schedule"] == "every 0.1s"


async def test_with_the_fake_clock_the_job_opens_at_opens_at_and_a_vote_at_closes_at_is_late(gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob")
    assembly = await gov.create()
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    await gov.convene(aid)
    scheduler = gov.app.state.runtime.scheduler

    async def state() -> str:
        value: str = (await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.admin)).json()["state"]
        return value

    gov.clock.set(OPENS - timedelta(milliseconds=1))
    assert [o.result for o in await scheduler.tick() if o.job == "voting-deadlines"] == [
        {"opened": 0, "closed_and_published": 0}]
    assert await state() == "convened"
    gov.clock.set(OPENS)
    assert (await scheduler.run_now("voting-deadlines")).result == {"opened": 1, "closed_and_published": 0}
    assert await state() == "voting_open"
    gov.clock.set(CLOSES - timedelta(milliseconds=1))
    assert (await gov.vote("ann", rid)).status_code == 201
    await scheduler.run_now("voting-deadlines")
    assert await state() == "voting_open"
    gov.clock.set(CLOSES)  # half-open window: a vote at closes_at is late, even before the job has run
    late = await gov.vote("bob", rid)
    assert late.status_code == 409 and late.json()["error"]["code"] == "voting_closed"
    gov.clock.advance(seconds=1)  # the job's next poll
    [outcome] = [o for o in await scheduler.tick() if o.job == "voting-deadlines"]
    assert outcome.result == {"opened": 0, "closed_and_published": 1}
    assert await state() == "results_published"
    assert (await gov.results(aid))[rid]["votes_for"] == 1
    assert (await scheduler.run_now("voting-deadlines")).result == {"opened": 0, "closed_and_published": 0}
    assert await gov.db.assemblies.count_documents({"_id": aid, "published_at": CLOSES + timedelta(seconds=1)}) == 1


async def test_the_job_and_an_admin_closing_at_the_same_moment_publish_once_and_the_job_keeps_going(
        gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob")
    first = (await gov.create())["id"]
    second = (await gov.create(title="Second assembly"))["id"]
    for aid in (first, second):
        await gov.convene(aid)
        await gov.open(aid)
    gov.clock.set(CLOSES)
    scheduler = gov.app.state.runtime.scheduler
    clicks = [gov.client.post(f"/api/v1/assemblies/{first}/close-voting", headers=gov.admin) for _ in range(3)]
    run, *answers = await asyncio.gather(scheduler.run_now("voting-deadlines"), *clicks)
    assert run.ok, run.error
    assert sorted(a.status_code for a in answers) in ([200, 409, 409], [409, 409, 409]), [a.text for a in answers]
    for aid in (first, second):
        doc = (await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.admin)).json()
        assert doc["state"] == "results_published"
    assert await gov.db.outbox.count_documents({"type": "governance.results.published.v1"}) == 2
    again = await scheduler.run_now("voting-deadlines")
    assert again.ok and again.result == {"opened": 0, "closed_and_published": 0}


async def test_one_assembly_that_fails_to_close_does_not_hold_up_the_others(
        gov: Gov, monkeypatch: pytest.MonkeyPatch) -> None:
    await gov.members_with_shares("ann")
    broken, fine = (await gov.create())["id"], (await gov.create(title="Second assembly"))["id"]
    for aid in (broken, fine):
        await gov.convene(aid)
        await gov.open(aid)
    gov.clock.set(CLOSES)
    real = deadlines.close_voting

    async def close_or_fail(ctx: Any, assembly_id: str) -> Any:
        if assembly_id == broken:
            raise OSError("the disk is full")
        return await real(ctx, assembly_id)

    monkeypatch.setattr(deadlines, "close_voting", close_or_fail)
    run = await gov.app.state.runtime.scheduler.run_now("voting-deadlines")
    states = {aid: (await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.admin)).json()["state"]
              for aid in (broken, fine)}
    assert states == {broken: "voting_open", fine: "results_published"}
    assert not run.ok and "1 assemblies did not open" not in (run.error or "")
    assert "0 assemblies did not open and 1 did not close" in (run.error or "")
    [job] = [j for j in (await gov.client.get("/api/v1/admin/jobs/governance", headers=gov.admin)).json()["items"]
             if j["name"] == "voting-deadlines"]
    assert job["last_outcome"] == "failed" and job["consecutive_failures"] == 1
    # Retried within seconds (the job's own back-off), not after the default half minute.
    retry_in = datetime.fromisoformat(job["next_run_at"]) - datetime.fromisoformat(job["last_run_at"])
    assert retry_in <= timedelta(seconds=2)
