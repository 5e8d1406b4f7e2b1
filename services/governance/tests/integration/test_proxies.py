"""Proxies: given inside the electorate, before the vote, at most N per holder, no chains."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from .conftest import OPENS, Gov


async def test_proxy_rules(gov: Gov) -> None:
    await gov.members_with_shares("ann", "bob", "cas", "dee", "eve")
    assembly = await gov.create()
    aid = assembly["id"]
    draft = await gov.proxy("ann", "bob", aid)
    assert draft.status_code == 404  # a draft does not exist for members
    await gov.convene(aid)

    def code(response: object) -> tuple[int, str]:
        return response.status_code, response.json()["error"]["code"]  # type: ignore[attr-defined]

    assert code(await gov.proxy("outsider", "bob", aid)) == (403, "not_in_electorate")
    outsider_holder = await gov.proxy("ann", "outsider", aid)
    assert code(outsider_holder) == (403, "not_in_electorate")
    assert outsider_holder.json()["error"]["field"] == "holder_id"
    assert code(await gov.proxy("ann", "ann", aid)) == (422, "proxy_to_self")

    given = await gov.proxy("ann", "bob", aid)
    assert given.status_code == 201 and given.json()["holder_id"] == "bob"
    assert code(await gov.proxy("ann", "cas", aid)) == (409, "proxy_already_given")
    assert code(await gov.proxy("cas", "bob", aid)) == (409, "proxy_limit_reached")
    assert code(await gov.proxy("bob", "cas", aid)) == (409, "proxy_chain")  # bob carries ann's vote
    assert code(await gov.proxy("cas", "ann", aid)) == (409, "proxy_chain")  # ann gave hers away

    mine = await gov.client.get(f"/api/v1/assemblies/{aid}/proxies", headers=gov.member("bob"))
    assert mine.json()["given"] is None and [p["giver_id"] for p in mine.json()["held"]] == ["ann"]
    theirs = await gov.client.get(f"/api/v1/assemblies/{aid}/proxies", headers=gov.member("ann"))
    assert theirs.json()["given"]["holder_id"] == "bob" and theirs.json()["held"] == []

    withdrawn = await gov.client.delete(f"/api/v1/assemblies/{aid}/proxies/given", headers=gov.member("ann"))
    assert withdrawn.status_code == 200
    none_left = await gov.client.delete(f"/api/v1/assemblies/{aid}/proxies/given", headers=gov.member("ann"))
    assert code(none_left) == (404, "proxy_not_found")
    assert (await gov.proxy("cas", "bob", aid)).status_code == 201

    gov.clock.set(OPENS - timedelta(milliseconds=1))
    assert (await gov.proxy("dee", "eve", aid)).status_code == 201  # the last moment before the vote
    await gov.open(aid)
    assert code(await gov.proxy("ann", "eve", aid)) == (409, "proxy_registration_closed")
    late_withdrawal = await gov.client.delete(f"/api/v1/assemblies/{aid}/proxies/given", headers=gov.member("cas"))
    assert code(late_withdrawal) == (409, "proxy_registration_closed")
    # The holder's own vote and the proxy vote are separate.
    rid = assembly["agenda"][0]["id"]
    assert (await gov.vote("bob", rid, "for", on_behalf_of="cas")).status_code == 201
    assert (await gov.vote("bob", rid, "for", on_behalf_of="ann")).json()["error"]["code"] == "not_proxy_holder"


async def test_concurrent_proxies_respect_the_holders_limit(gov: Gov) -> None:
    givers = [f"g{n:02d}" for n in range(20)]
    await gov.members_with_shares("holder", "a", "b", *givers)
    assembly = await gov.create(max_proxies_per_voter=2)
    aid = assembly["id"]
    await gov.convene(aid)
    responses = await asyncio.gather(*(gov.proxy(g, "holder", aid) for g in givers))
    assert sorted(r.status_code for r in responses) == [201, 201] + [409] * 18
    assert await gov.db.proxies.count_documents({"assembly_id": aid, "holder_id": "holder"}) == 2
    # A chain attempted from both ends at once: at most one side wins.
    chain = await asyncio.gather(gov.proxy("a", "b", aid), gov.proxy("b", "g00", aid))
    assert sorted(r.status_code for r in chain) == [201, 409]
    proxies = [p async for p in gov.db.proxies.find({"assembly_id": aid})]
    givers_set = {p["giver_id"] for p in proxies}
    assert not any(p["holder_id"] in givers_set for p in proxies)
