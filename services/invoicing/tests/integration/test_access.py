"""Who sees and changes what: managers of the activity, the advisor of its
members, admins; everyone else gets 404, as if nothing were there."""

from __future__ import annotations

from typing import Any

from .conftest import PERSON, Platform, line


async def test_a_member_cannot_see_or_change_another_members_clients_quotes_or_invoices(platform: Platform) -> None:
    _, activity, owner = await platform.member_with_activity()
    _, other_activity, stranger = await platform.member_with_activity()
    client = await platform.client(owner, activity)
    quote = (await platform.http.post("/api/v1/quotes", headers=owner, json={
        "activity_id": activity, "client_id": client["id"], "valid_until": "2099-01-31", "lines": [line()]})).json()
    draft = await platform.draft(owner, activity, client["id"])
    issued = await platform.issued(owner, activity, client["id"])
    http = platform.http
    attempts = [
        http.get(f"/api/v1/clients/{client['id']}", headers=stranger),
        http.patch(f"/api/v1/clients/{client['id']}", headers=stranger, json={"name": "Mine now"}),
        http.get(f"/api/v1/quotes/{quote['id']}", headers=stranger),
        http.patch(f"/api/v1/quotes/{quote['id']}", headers=stranger, json={"valid_until": "2099-02-01"}),
        http.post(f"/api/v1/quotes/{quote['id']}/send", headers=stranger),
        http.get(f"/api/v1/invoices/{draft['id']}", headers=stranger),
        http.patch(f"/api/v1/invoices/{draft['id']}", headers=stranger, json={"buyer_reference": "x"}),
        http.delete(f"/api/v1/invoices/{draft['id']}", headers=stranger),
        http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=stranger),
        http.post(f"/api/v1/invoices/{issued['id']}/send", headers=stranger),
        http.post(f"/api/v1/invoices/{issued['id']}/credit-note", headers=stranger, json={"reason": "mine"}),
        http.get(f"/api/v1/invoices/{issued['id']}/pdf", headers=stranger),
        http.get(f"/api/v1/invoices/{issued['id']}/ubl", headers=stranger),
        # Creating things in someone else's activity, or with their client in one's own.
        http.post("/api/v1/clients", headers=stranger, json={**PERSON, "activity_id": activity}),
        http.post("/api/v1/invoices", headers=stranger, json={
            "activity_id": other_activity, "client_id": client["id"], "lines": [line()]}),
    ]
    for response in [await a for a in attempts]:
        assert response.status_code == 404, (response.request.method, response.request.url, response.text)
        assert response.json()["error"]["code"].endswith("not_found")
    # Lists show nothing of it either, even when filtered on the other activity.
    for path in ("/api/v1/clients", "/api/v1/quotes", "/api/v1/invoices"):
        assert (await http.get(path, headers=stranger)).json()["items"] == []
        assert (await http.get(path, headers=stranger, params={"activity_id": activity})).json()["items"] == []
    # And nothing changed.
    assert (await http.get(f"/api/v1/clients/{client['id']}", headers=owner)).json()["name"] == client["name"]
    assert (await http.get(f"/api/v1/invoices/{draft['id']}", headers=owner)).json()["status"] == "draft"


async def test_co_managers_invoice_advisors_see_their_members_admins_see_all(platform: Platform) -> None:
    owner = await platform.member(advisor_id="adv-1")
    co_manager = await platform.member()
    activity = await platform.activity(owner, co_managers=(co_manager,))
    client = await platform.client(platform.auth(owner), activity)
    invoice = await platform.issued(platform.auth(co_manager), activity, client["id"])
    http = platform.http
    for headers in (platform.auth("adv-1", "advisor"), platform.auth("admin-1", "admin")):
        assert (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).status_code == 200
        listed = (await http.get("/api/v1/invoices", headers=headers)).json()["items"]
        assert invoice["id"] in [i["id"] for i in listed]
    other_advisor = platform.auth("adv-2", "advisor")
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=other_advisor)).status_code == 404
    assert (await http.get("/api/v1/invoices", headers=other_advisor)).json()["items"] == []
    # An advisor sees, but does not invoice in the member's name.
    refused = await http.post("/api/v1/invoices", headers=platform.auth("adv-1", "advisor"), json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_activity_manager"


async def test_only_a_member_in_good_standing_invoices_through_an_open_activity(platform: Platform) -> None:
    member = await platform.member(shares_paid=0)
    activity = await platform.activity(member)
    headers = platform.auth(member)
    client = await platform.client(headers, activity)  # keeping a client list needs no share
    refused = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})
    assert refused.status_code == 409
    assert refused.json()["error"] == {**refused.json()["error"], "code": "member_not_in_good_standing",
                                       "field": "member"}
    await platform.member(member, shares_paid=1)
    draft = await platform.draft(headers, activity, client["id"])
    # Standing lapses between draft and issue: the issue is refused, the draft stays.
    await platform.deliver("members.share.resigned.v1", {
        "member_id": member, "shares_paid": 0, "shares_required": 1, "in_good_standing": False,
        "entry_id": "e-9", "category": "A", "quantity": 1, "refund_amount": "30.00", "refund_due_on": "2029-01-01"})
    refused = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "member_not_in_good_standing"
    await platform.member(member, shares_paid=2)
    await platform.deliver("members.activity.updated.v1", {
        "activity_id": activity, "name": "Atelier Sonore", "sector": "arts_and_culture", "owner_id": member,
        "co_manager_ids": [], "kind": "individual", "status": "suspended", "changed": ["status"]})
    refused = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "activity_not_open"


async def test_a_year_of_use_needs_a_second_share(platform: Platform) -> None:
    from datetime import date

    from coop_shared.clock import DayClock

    member = await platform.member()
    activity = await platform.activity(member)
    # Opening the first activity on 1 March 2025 started the first year of use: one share covers it to 28 February.
    await platform.deliver("members.member.standing_changed.v1", {
        "member_id": member, "shares_paid": 1, "shares_required": 1, "in_good_standing": True,
        "usage_started_on": "2025-03-01", "good_standing_until": "2026-02-28"})
    headers = platform.auth(member)
    client = await platform.client(headers, activity)
    platform.ctx.clock = DayClock(date(2026, 2, 28))
    assert (await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})).status_code == 201
    platform.ctx.clock = DayClock(date(2026, 3, 1))  # second year of use starts
    refused = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})
    assert refused.json()["error"]["code"] == "member_not_in_good_standing"
    # The second share paid: members says how far it reaches.
    await platform.deliver("members.share.paid.v1", {
        "member_id": member, "shares_paid": 2, "shares_required": 2, "in_good_standing": True,
        "usage_started_on": "2025-03-01", "good_standing_until": "2027-02-28", "entry_id": "e2",
        "subscription_id": "s2", "category": "A", "quantity": 1, "amount": "30.00", "paid_at": "2026-03-01T10:00:00Z"})
    assert (await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line()]})).status_code == 201


async def test_requests_without_a_valid_token_are_refused(platform: Platform) -> None:
    assert (await platform.http.get("/api/v1/invoices")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await platform.http.get("/api/v1/clients", headers=bad)).json()["error"]["code"] == "invalid_token"


async def test_partner_keys_reach_only_their_scopes_and_their_bound_activities(platform: Platform) -> None:
    from coop_shared.auth.principal import Role
    from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, SigningKey, issue_access_token

    gateway = SigningKey.generate()
    platform.app.state.token_verifier.trust(KeySource("coop-gateway", PARTNER_ROLES,
                                                      jwks={"keys": [gateway.public_jwk()]}))

    def partner(*scopes: str, bound: list[str] | None = None) -> dict[str, str]:
        token = issue_access_token(gateway, subject="key-1", role=Role.PARTNER, issuer="coop-gateway",
                                   scopes=frozenset(scopes), extra=None if bound is None else {"activities": bound})
        return {"Authorization": f"Bearer {token}"}

    _, activity, headers = await platform.member_with_activity()
    _, other_activity, other_headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    invoice = await platform.issued(headers, activity, client["id"])
    other_client = await platform.client(other_headers, other_activity)
    other_invoice = await platform.issued(other_headers, other_activity, other_client["id"])
    http = platform.http

    # An unbound read key: every activity's documents, nothing else, no writing.
    reader = partner("invoices:read")
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=reader)).status_code == 200
    listed = {i["id"] for i in (await http.get("/api/v1/invoices?limit=100", headers=reader)).json()["items"]}
    assert {invoice["id"], other_invoice["id"]} <= listed
    assert (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=partner("payroll:read"))).status_code == 404
    refused = await http.post("/api/v1/clients", headers=reader, json={**PERSON, "activity_id": activity})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")
    # A write key that is not bound to the activity cannot write there either.
    unbound_writer = partner("invoices:read", "invoices:write")
    refused = await http.post("/api/v1/clients", headers=unbound_writer, json={**PERSON, "activity_id": activity})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")

    # A key bound to one activity: drafts, issues and reads there as its managers would...
    writer = partner("invoices:read", "invoices:write", bound=[activity])
    created = await http.post("/api/v1/clients", headers=writer, json={**PERSON, "activity_id": activity})
    assert created.status_code == 201, created.text
    draft = await http.post("/api/v1/invoices", headers=writer, json={
        "activity_id": activity, "client_id": created.json()["id"], "lines": [line()]})
    assert draft.status_code == 201, draft.text
    issued = await http.post(f"/api/v1/invoices/{draft.json()['id']}/issue", headers=writer)
    assert issued.status_code == 200, issued.text
    assert issued.json()["number"] and issued.json()["status"] == "issued"
    listed = {i["id"] for i in (await http.get("/api/v1/invoices?limit=100", headers=writer)).json()["items"]}
    assert listed == {invoice["id"], draft.json()["id"]}
    # ...and knows nothing of any other activity: 404 exactly as if it did not exist, an empty list.
    assert (await http.get(f"/api/v1/invoices/{other_invoice['id']}", headers=writer)).status_code == 404
    elsewhere = await http.post("/api/v1/clients", headers=writer, json={**PERSON, "activity_id": other_activity})
    assert elsewhere.status_code == 404
    narrowed = await http.get(f"/api/v1/invoices?activity_id={other_activity}", headers=writer)
    assert narrowed.status_code == 200 and narrowed.json()["items"] == []
    # It reviews nothing: that stays the advisor's.
    review = await http.post(f"/api/v1/invoices/{draft.json()['id']}/approve", headers=writer)
    assert review.status_code in (403, 409)

    # The owner's standing decides whether the activity may invoice, whoever drafts.
    lapsed = await platform.activity(await platform.member(shares_paid=0))
    lapsed_writer = partner("invoices:read", "invoices:write", bound=[lapsed])
    lapsed_client = await http.post("/api/v1/clients", headers=lapsed_writer, json={**PERSON, "activity_id": lapsed})
    assert lapsed_client.status_code == 201, lapsed_client.text
    refused = await http.post("/api/v1/invoices", headers=lapsed_writer, json={
        "activity_id": lapsed, "client_id": lapsed_client.json()["id"], "lines": [line()]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "member_not_in_good_standing")


async def test_issuing_and_sending_read_the_activity_once(platform: Platform) -> None:
    # Being allowed to manage implies being allowed to see: one read of the activity decides both.
    _, activity, owner = await platform.member_with_activity()
    client = await platform.client(owner, activity)
    draft = await platform.draft(owner, activity, client["id"])
    access = platform.ctx.access
    read_model = access.read_model
    reads: list[str] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(read_model, name)

        async def activity(self, activity_id: str) -> Any:
            reads.append(activity_id)
            return await read_model.activity(activity_id)

    access.read_model = Counting()  # type: ignore[assignment]
    try:
        issued = await platform.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=owner)
        assert issued.status_code == 200, issued.text
        assert reads == [activity]
        reads.clear()
        sent = await platform.http.post(f"/api/v1/invoices/{draft['id']}/send", headers=owner)
        assert sent.status_code == 200, sent.text
        assert reads == [activity]
    finally:
        access.read_model = read_model
