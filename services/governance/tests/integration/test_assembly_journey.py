"""A general assembly from draft to published minutes, and the guards on each step."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import CLOSES, OPENS, T0, Gov


async def test_general_assembly_from_draft_to_minutes(gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob", "cas", "dee")
    await gov.named("ann", "Ann Peeters")
    await gov.named("bob", "Bob Janssens")
    # Pays on the day after convocation: not in the electorate.
    await gov.members_with_shares("eve", on=T0.date() + timedelta(days=1))
    # Paid a share, then resigned before convocation: no longer a member with a share.
    await gov.members_with_shares("fay")
    await gov.resigned("fay", at=T0 - timedelta(days=3))
    # Received a share by transfer from gil: hal votes, gil does not.
    await gov.members_with_shares("gil")
    await gov.transferred("gil", "hal", at=T0 - timedelta(days=2))

    assembly = await gov.create([
        {"text": "Approve the 2025 accounts", "majority": "simple", "quorum": "1/2", "ballot": "open"},
        {"text": "Elect the board", "majority": "two_thirds", "quorum": "0", "ballot": "secret"},
    ])
    aid = assembly["id"]
    accounts, board = (r["id"] for r in assembly["agenda"])
    assert assembly["state"] == "draft"

    # Members do not see drafts at all.
    assert (await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.member("ann"))).status_code == 404
    listed = await gov.client.get("/api/v1/assemblies", headers=gov.member("ann"))
    assert listed.json()["items"] == []

    convened = await gov.convene(aid)
    assert convened["state"] == "convened"
    assert convened["convocation_day"] == T0.date().isoformat()
    assert convened["electorate_size"] == 5
    electorate = await gov.client.get(f"/api/v1/assemblies/{aid}/electorate", headers=gov.admin)
    assert [e["member_id"] for e in electorate.json()["items"]] == ["ann", "bob", "cas", "dee", "hal"]
    # The frozen snapshot does not move when the read model does.
    await gov.members_with_shares("ivy", on=T0.date() - timedelta(days=30))
    again = await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.admin)
    assert again.json()["electorate_size"] == 5

    assert (await gov.proxy("dee", "cas", aid)).status_code == 201
    await gov.open(aid)

    assert (await gov.vote("ann", accounts, "for")).status_code == 201
    assert (await gov.vote("bob", accounts, "against")).status_code == 201
    assert (await gov.vote("cas", accounts, "for")).status_code == 201
    by_proxy = await gov.vote("cas", accounts, "for", on_behalf_of="dee")
    assert by_proxy.status_code == 201
    assert by_proxy.json() | {"assembly_id": aid} == {
        "assembly_id": aid, "resolution_id": accounts, "ballot": "open", "elector_id": "dee", "cast_by": "cas",
        "by_proxy": True, "changed": False, "choice": "for"}
    for voter, choice in (("ann", "for"), ("bob", "for"), ("hal", "against")):
        assert (await gov.vote(voter, board, choice)).status_code == 201
    secret = await gov.vote("cas", board, "abstain")
    assert secret.status_code == 201 and secret.json()["choice"] is None

    # Outside the frozen electorate: joined after convocation, resigned, gave the share away, never a member.
    for outsider in ("eve", "fay", "gil", "ivy", "zed"):
        refused = await gov.vote(outsider, accounts)
        assert refused.status_code == 403, outsider
        assert refused.json()["error"]["code"] == "not_in_electorate"
    giver = await gov.vote("dee", accounts)
    assert giver.status_code == 403 and giver.json()["error"]["code"] == "proxy_giver_cannot_vote"
    no_proxy = await gov.vote("ann", board, on_behalf_of="bob")
    assert no_proxy.status_code == 403 and no_proxy.json()["error"]["code"] == "not_proxy_holder"
    twice = await gov.vote("ann", accounts, "against")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_voted"

    mine = await gov.client.get(f"/api/v1/assemblies/{aid}", headers=gov.member("cas"))
    assert mine.json()["you"] == {"in_electorate": True, "proxy_given_to": None, "proxies_held_from": ["dee"],
                                  "voted": {"cas": sorted([accounts, board]), "dee": [accounts]}}
    early = await gov.client.get(f"/api/v1/assemblies/{aid}/results", headers=gov.member("ann"))
    assert early.status_code == 409 and early.json()["error"]["code"] == "results_not_published"

    closed = await gov.close(aid)
    assert closed["state"] == "results_published"
    assert closed["participants"] == 5
    results = await gov.results(aid)
    assert results[accounts] | {"resolution_id": "x"} == {
        "resolution_id": "x", "number": 1, "text": "Approve the 2025 accounts", "majority": "simple",
        "ballot": "open", "votes_for": 3, "votes_against": 1, "abstentions": 0, "participants": 4,
        "electorate_size": 5, "quorum_required": 3, "quorum_reached": True, "adopted": True, "reason": "adopted"}
    # Two for, one against: exactly two thirds of votes cast (the abstention does not count).
    assert (results[board]["votes_for"], results[board]["votes_against"], results[board]["abstentions"]) == (2, 1, 1)
    assert results[board]["adopted"] is True

    recount = await gov.client.get(f"/api/v1/assemblies/{aid}/results/recount", headers=gov.admin)
    assert recount.status_code == 200 and recount.json()["matches"] is True

    text = await gov.client.get(f"/api/v1/assemblies/{aid}/minutes", headers=gov.member("bob"))
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    minutes = text.text
    assert "Ann Peeters (ann): for" in minutes
    assert "Bob Janssens (bob): against" in minutes
    assert "dee: for (by proxy: cas)" in minutes
    assert "Secret ballot: individual votes are not recorded." in minutes
    board_section = minutes.split("Resolution 2:")[1]
    assert "hal" not in board_section and "Ann Peeters" not in board_section
    assert "Participants: 5 of 5" in minutes
    pdf = await gov.client.get(f"/api/v1/assemblies/{aid}/minutes?format=pdf", headers=gov.member("bob"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    again_pdf = await gov.client.get(f"/api/v1/assemblies/{aid}/minutes?format=pdf", headers=gov.member("ann"))
    assert again_pdf.content == pdf.content  # deterministic: the published file can be hashed


async def test_workers_assembly_counts_contracts_of_the_last_twelve_months(gov: Gov) -> None:
    day = T0.date()
    await gov.worker("recent", date(2026, 3, 1), date(2026, 3, 31))
    await gov.worker("edge", date(2025, 4, 20), day.replace(year=2025))  # last day: exactly 12 months back
    await gov.worker("old", date(2025, 1, 1), date(2025, 5, 3))  # ended the day before the window
    await gov.worker("future", day, day + timedelta(days=10))  # starts on the convocation day itself
    await gov.members_with_shares("shareholder")  # a share alone gives no seat here
    assembly = await gov.create(kind="workers", title="Workers' assembly")
    convened = await gov.convene(assembly["id"])
    assert convened["kind"] == "workers"
    electorate = await gov.client.get(f"/api/v1/assemblies/{assembly['id']}/electorate", headers=gov.admin)
    assert [e["member_id"] for e in electorate.json()["items"]] == ["edge", "recent"]


async def test_each_step_is_refused_out_of_turn(gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob")
    empty = await gov.create(resolutions=())
    gov.clock.set(T0)
    no_agenda = await gov.act(empty["id"], "convene", expect=409)
    assert no_agenda.json()["error"]["code"] == "empty_agenda"

    assembly = await gov.create()
    aid, rid = assembly["id"], assembly["agenda"][0]["id"]
    member_create = await gov.client.post("/api/v1/assemblies", headers=gov.member("ann"), json={
        "kind": "general", "title": "x", "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat()})
    assert member_create.status_code == 403
    assert (await gov.vote("ann", rid)).status_code == 404  # a draft's resolution does not exist for members
    bad_window = await gov.client.post("/api/v1/assemblies", headers=gov.admin, json={
        "kind": "general", "title": "x", "opens_at": CLOSES.isoformat(), "closes_at": OPENS.isoformat()})
    assert bad_window.status_code == 422 and bad_window.json()["error"]["code"] == "invalid_voting_window"
    naive = await gov.client.post("/api/v1/assemblies", headers=gov.admin, json={
        "kind": "general", "title": "x", "opens_at": "2026-06-01T09:00:00", "closes_at": CLOSES.isoformat()})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "opens_at"
    bad_quorum = await gov.client.post(f"/api/v1/assemblies/{aid}/resolutions", headers=gov.admin,
                                       json={"text": "x", "quorum": "3/2"})
    assert bad_quorum.status_code == 422 and bad_quorum.json()["error"]["field"] == "quorum"

    await gov.convene(aid)
    assert (await gov.act(aid, "convene", expect=409)).json()["error"]["code"] == "invalid_transition"
    late_agenda = await gov.client.post(f"/api/v1/assemblies/{aid}/resolutions", headers=gov.admin,
                                        json={"text": "Too late"})
    assert late_agenda.status_code == 409 and late_agenda.json()["error"]["code"] == "agenda_locked"

    not_yet = await gov.vote("ann", rid)
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "voting_not_open"
    gov.clock.set(OPENS - timedelta(seconds=1))
    early = await gov.act(aid, "open-voting", expect=409)
    assert early.json()["error"]["code"] == "voting_not_open"
    await gov.open(aid)
    gov.clock.set(CLOSES - timedelta(milliseconds=1))
    assert (await gov.vote("ann", rid)).status_code == 201  # last instant of the window
    assert (await gov.act(aid, "close-voting", expect=409)).json()["error"]["code"] == "invalid_transition"
    gov.clock.set(CLOSES)  # the window is half-open: closes_at itself is late
    late = await gov.vote("bob", rid)
    assert late.status_code == 409 and late.json()["error"]["code"] == "voting_closed"
    await gov.close(aid)
    after = await gov.vote("bob", rid)
    assert after.status_code == 409 and after.json()["error"]["code"] == "voting_closed"
    assert (await gov.act(aid, "open-voting", expect=409)).json()["error"]["code"] == "invalid_transition"


async def test_replayed_requests_return_the_first_answer(gov: Gov) -> None:
    await gov.members_with_shares("ann")
    body = {"kind": "general", "title": "AGM", "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat()}
    headers = {**gov.admin, "Idempotency-Key": "create-1"}
    first = await gov.client.post("/api/v1/assemblies", json=body, headers=headers)
    second = await gov.client.post("/api/v1/assemblies", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
    other = await gov.client.post("/api/v1/assemblies", json={**body, "title": "Other"}, headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    listed = await gov.client.get("/api/v1/assemblies", headers=gov.admin)
    assert len(listed.json()["items"]) == 1

    aid = first.json()["id"]
    await gov.client.post(f"/api/v1/assemblies/{aid}/resolutions", json={"text": "x"}, headers=gov.admin)
    gov.clock.set(T0)
    once = await gov.act(aid, "convene", **{"Idempotency-Key": "convene-1"})
    replay = await gov.act(aid, "convene", **{"Idempotency-Key": "convene-1"})
    assert replay.json() == once.json()


async def test_lists_are_paginated_newest_first(gov: Gov) -> None:
    ids = [(await gov.create(title=f"Assembly {i}"))["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await gov.client.get("/api/v1/assemblies", params=params, headers=gov.admin)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    bad = await gov.client.get("/api/v1/assemblies", params={"cursor": "nope"}, headers=gov.admin)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"
