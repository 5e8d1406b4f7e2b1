"""The inbox over HTTP: a person sees and marks only their own notifications."""

from __future__ import annotations

from coop_shared.auth.principal import Role


async def _inbox(client, headers, **params):  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/inbox", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_list_count_and_mark_read_newest_first_with_pages(harness) -> None:
    app = harness.app()
    ada = harness.person("ada")
    async with harness.started(app) as client:
        await harness.publish(app, harness.registered("ada", language="en"))
        await harness.publish(app, harness.event(harness.salary_paid("ada", "1000")))
        await harness.publish(app, harness.event(harness.payslip_issued("ada")))

        async def three() -> bool:
            return len((await _inbox(client, ada))["items"]) == 3

        await harness.wait_until(three, what="three inbox entries")
        assert (await client.get("/api/v1/inbox/unread-count", headers=ada)).json() == {"unread": 3}

        # Pages of two, newest first, stable through the cursor.
        first = await _inbox(client, ada, limit=2)
        second = await _inbox(client, ada, limit=2, cursor=first["next_cursor"])
        entries = first["items"] + second["items"]
        assert second["next_cursor"] is None and len(entries) == 3
        assert [e["created_at"] for e in entries] == sorted((e["created_at"] for e in entries), reverse=True)

        read = await client.post(f"/api/v1/inbox/{entries[0]['id']}/read", headers=ada)
        assert read.status_code == 200 and read.json()["read_at"] is not None
        again = await client.post(f"/api/v1/inbox/{entries[0]['id']}/read", headers=ada)
        assert again.json()["read_at"] == read.json()["read_at"]  # the first reading time stays
        assert (await client.get("/api/v1/inbox/unread-count", headers=ada)).json() == {"unread": 2}
        unread = await _inbox(client, ada, unread="true")
        assert {e["id"] for e in unread["items"]} == {e["id"] for e in entries[1:]}

        marked = await client.post("/api/v1/inbox/read-all", headers=ada)
        assert marked.json() == {"marked": 2}
        assert (await client.get("/api/v1/inbox/unread-count", headers=ada)).json() == {"unread": 0}


async def test_member_a_cannot_read_or_mark_member_bs_entries(harness) -> None:
    app = harness.app()
    alice, bob = harness.person("alice"), harness.person("bob")
    async with harness.started(app) as client:
        await harness.publish(app, harness.registered("bob"))

        async def bob_has_one() -> bool:
            return len((await _inbox(client, bob))["items"]) == 1

        await harness.wait_until(bob_has_one, what="bob's entry")
        [entry] = (await _inbox(client, bob))["items"]

        assert (await _inbox(client, alice))["items"] == []
        assert (await client.get("/api/v1/inbox/unread-count", headers=alice)).json() == {"unread": 0}
        stolen = await client.post(f"/api/v1/inbox/{entry['id']}/read", headers=alice)
        missing = await client.post("/api/v1/inbox/no-such-entry/read", headers=alice)
        assert stolen.status_code == missing.status_code == 404
        assert stolen.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
        # alice marking "all" leaves bob's untouched.
        assert (await client.post("/api/v1/inbox/read-all", headers=alice)).json() == {"marked": 0}
        assert (await _inbox(client, bob))["items"][0]["read_at"] is None


async def test_who_may_call_and_bad_input(harness) -> None:
    app = harness.app()
    async with harness.started(app) as client:
        anonymous = await client.get("/api/v1/inbox")
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthenticated"
        forged = await client.get("/api/v1/inbox", headers={"Authorization": "Bearer not.a.token"})
        assert forged.status_code == 401
        # The placeholder query parameter no longer chooses whose inbox it is.
        own = await client.get("/api/v1/inbox", params={"member_id": "bob"}, headers=harness.person("alice"))
        assert own.status_code == 200 and own.json()["items"] == []
        partner = await client.get("/api/v1/inbox", headers=harness.partner("p-1", {"webhooks:manage"}))
        assert partner.status_code == 403
        advisor = await client.get("/api/v1/inbox", headers=harness.person("adv", Role.ADVISOR))
        assert advisor.status_code == 200
        headers = harness.person("alice")
        for params, field in (({"cursor": "%%%"}, "cursor"), ({"cursor": "eyJ4IjogMX0="}, "cursor"),
                              ({"limit": 0}, "limit"), ({"limit": 1000}, "limit"), ({"unread": "maybe"}, "unread")):
            response = await client.get("/api/v1/inbox", params=params, headers=headers)
            assert response.status_code in (400, 422), (params, response.text)
            assert response.json()["error"]["field"] == field
        long_id = await client.post("/api/v1/inbox/" + "x" * 65 + "/read", headers=headers)
        assert long_id.status_code == 422


async def test_preferences_round_trip_and_validation(harness) -> None:
    app = harness.app()
    member = harness.person("m-prefs")
    async with harness.started(app) as client:
        defaults = (await client.get("/api/v1/preferences", headers=member)).json()["preferences"]
        assert all(p["inbox"] and p["email"] for p in defaults)
        by_type = {p["event_type"]: p for p in defaults}
        assert by_type["payroll.payslip.issued.v1"]["critical"] is True
        assert by_type["invoicing.invoice.reminder_sent.v1"]["critical_when"] == "level=formal_notice"
        assert "invoicing.payment.received.v1" not in by_type  # partners only, nothing to choose

        body = {"preferences": [{"event_type": "invoicing.invoice.paid.v1", "email": False}]}
        put = await client.put("/api/v1/preferences", headers=member, json=body)
        assert put.status_code == 200
        again = await client.put("/api/v1/preferences", headers=member, json=body)  # PUT is idempotent
        assert again.json() == put.json() == (await client.get("/api/v1/preferences", headers=member)).json()
        paid = next(p for p in put.json()["preferences"] if p["event_type"] == "invoicing.invoice.paid.v1")
        assert (paid["inbox"], paid["email"]) == (True, False)
        # Someone else's preferences are untouched.
        other = (await client.get("/api/v1/preferences", headers=harness.person("m-other"))).json()
        assert all(p["email"] for p in other["preferences"])

        unknown = await client.put("/api/v1/preferences", headers=member,
                                   json={"preferences": [{"event_type": "nope.v1"}]})
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "preferences.0.event_type"
        twice = await client.put("/api/v1/preferences", headers=member, json={"preferences": [
            {"event_type": "invoicing.invoice.paid.v1"}, {"event_type": "invoicing.invoice.paid.v1"}]})
        assert twice.status_code == 422 and twice.json()["error"]["field"] == "preferences.1.event_type"
        wrong_type = await client.put("/api/v1/preferences", headers=member,
                                      json={"preferences": [{"event_type": "invoicing.invoice.paid.v1",
                                                             "email": "sometimes"}]})
        assert wrong_type.status_code == 422 and wrong_type.json()["error"]["field"] == "preferences.0.email"
        not_json = await client.put("/api/v1/preferences", headers={**member, "Content-Type": "application/json"},
                                    content=b"{not json")
        assert not_json.status_code == 422
