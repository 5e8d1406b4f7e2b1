"""A member who cannot vote gives their proxy in the browser (in French) to another member, named by the member
number the holder's profile shows; the holder then votes twice, once in their own name and once in the giver's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api, eventually

pytestmark = pytest.mark.e2e


def _paid_up_member(api: Api, admin: dict[str, str], name: str, language: str) -> tuple[str, str, dict[str, str]]:
    member_id, email, member = api.register(name, language=language)
    share = api.post("/api/v1/shares", member, json={"quantity": 1})
    assert api.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
    eventually(lambda: api.get("/api/v1/inbox", member),
               lambda r: any("share" in item["event_type"] for item in r.json()["items"]))
    return member_id, email, member


def test_a_proxy_is_given_by_member_number_and_the_holder_votes_twice(platform: Platform, visitor_factory) -> None:
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        giver_id, giver_email, _ = _paid_up_member(api, admin, "Camille Absente", "fr")
        holder_id, holder_email, holder = _paid_up_member(api, admin, "Jules Present", "fr")
        time.sleep(1.0)  # governance consumes the same event as notifications
        opens = datetime.now(UTC) + timedelta(seconds=30)
        assembly = api.post("/api/v1/assemblies", admin, json={
            "kind": "general", "title": "Assemblée par procuration", "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(minutes=5)).isoformat()})
        assert assembly.status_code == 201, assembly.text
        assembly_id = assembly.json()["id"]
        resolution = api.post(f"/api/v1/assemblies/{assembly_id}/resolutions", admin, json={
            "text": "Approuver les comptes.", "majority": "simple", "quorum": "0", "ballot": "open"})
        assert resolution.status_code == 201, resolution.text
        assert api.post(f"/api/v1/assemblies/{assembly_id}/convene", admin).status_code == 200

    holder_visitor = visitor_factory("fr")
    holder_visitor.log_in(platform.gateway, holder_email)
    holder_visitor.page.goto(platform.gateway + "/app/profile")
    number = holder_visitor.page.locator("#member-number").inner_text()
    assert number == holder_id
    holder_visitor.check("profile-member-number")

    giver = visitor_factory("fr")
    giver.log_in(platform.gateway, giver_email)
    page = giver.page
    page.goto(platform.gateway + f"/app/assemblies/{assembly_id}")
    field = giver.label("Member number of the person who votes for you")
    field.fill(giver_id)  # their own number: refused next to the field, what was typed kept
    giver.button("Give my proxy").click()
    expect(page.locator("#holder_id-error")).to_have_text(giver._("You cannot give your proxy to yourself."))
    expect(field).to_have_value(giver_id)
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("no-such-member")
    giver.button("Give my proxy").click()
    expect(page.locator("#holder_id-error")).to_have_text(
        giver._("No member of this assembly's electorate has this member number."))
    giver.check("assembly-proxy-error")
    field.fill(number)
    giver.button("Give my proxy").click()
    expect(page.get_by_role("status")).to_have_text(giver._("Your proxy is registered."))
    expect(page.get_by_text(giver._("You gave your proxy to member number %(number)s: they vote in your name.")
                            % {"number": holder_id})).to_be_visible()
    giver.check("assembly-proxy-given")

    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        eventually(lambda: api.get(f"/api/v1/assemblies/{assembly_id}", holder),
                   lambda r: r.json()["state"] == "voting_open", timeout=60)

    page.reload()  # the giver is offered no ballot: their vote is the holder's to cast
    expect(giver.button("Vote")).to_have_count(0)

    hpage = holder_visitor.page
    hpage.goto(platform.gateway + f"/app/assemblies/{assembly_id}")
    held = holder_visitor._("You hold the proxy of %(count)d member.") % {"count": 1}
    expect(hpage.get_by_text(held)).to_be_visible()
    holder_visitor.check("assembly-proxy-holder")
    own = hpage.get_by_role("group", name=holder_visitor._("Your vote on resolution %(n)s") % {"n": 1})
    own.get_by_label(holder_visitor._("For"), exact=True).check()
    holder_visitor.button("Vote").click()
    expect(hpage.get_by_role("status")).to_have_text(holder_visitor._("Your vote is recorded."))
    theirs = hpage.get_by_role("group", name=holder_visitor._("Vote of member number %(number)s on resolution %(n)s")
                               % {"number": giver_id, "n": 1})
    theirs.get_by_label(holder_visitor._("Against"), exact=True).check()
    holder_visitor.button("Vote in their name").click()
    expect(hpage.get_by_role("status")).to_have_text(holder_visitor._("Your vote is recorded."))
    expect(hpage.get_by_text(holder_visitor._("The vote of member number %(number)s is recorded.")
                             % {"number": giver_id})).to_be_visible()
    expect(holder_visitor.button("Vote in their name")).to_have_count(0)

    with httpx.Client(timeout=15) as client:  # two electors counted, one ballot cast by proxy
        api = Api(client, platform.gateway)
        you = api.get(f"/api/v1/assemblies/{assembly_id}", holder).json()["you"]
        resolution_id = resolution.json()["id"]
        assert you["voted"] == {holder_id: [resolution_id], giver_id: [resolution_id]}
