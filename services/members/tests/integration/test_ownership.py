"""Who sees what: members see their own data (404 for anyone else's),
advisors the members assigned to them, and nobody raises their own role."""

from __future__ import annotations

from .conftest import Account, Api, EventTap


async def _activity(api: Api, owner: Account, name: str = "Atelier") -> str:
    response = await api.call("POST", "/api/v1/activities", headers=owner.headers,
                              json={"name": name, "sector": "arts_and_culture"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_member_a_gets_404_for_member_b_profile_activities_and_shares(api: Api) -> None:
    admin = await api.admin()
    a = await api.paid_member(admin)
    b = await api.paid_member(admin)
    b_activity = await _activity(api, b)
    b_entry = (await api.call("GET", "/api/v1/shares", headers=b.headers)).json()["items"][0]["id"]

    for path in (f"/api/v1/members/{b.id}", f"/api/v1/activities/{b_activity}", f"/api/v1/shares/{b_entry}",
                 "/api/v1/members/no-such-id", "/api/v1/activities/no-such-id"):
        response = await api.call("GET", path, headers=a.headers)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"].endswith("not_found")
    changed = await api.call("PATCH", f"/api/v1/activities/{b_activity}", headers=a.headers,
                             json={"name": "Mine now"})
    assert changed.status_code == 404
    assert (await api.call("GET", "/api/v1/activities", headers=a.headers)).json()["items"] == []
    own_shares = (await api.call("GET", "/api/v1/shares", headers=a.headers)).json()["items"]
    assert own_shares and {e["member_id"] for e in own_shares} == {a.id}
    listed = (await api.call("GET", "/api/v1/members", headers=a.headers)).json()["items"]
    assert [m["id"] for m in listed] == [a.id]
    # The owner and an admin do see them.
    assert (await api.call("GET", f"/api/v1/activities/{b_activity}", headers=b.headers)).status_code == 200
    assert (await api.call("GET", f"/api/v1/members/{b.id}", headers=admin.headers)).status_code == 200


async def test_an_advisor_sees_the_members_assigned_to_them_only(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    supported = await api.paid_member(admin)
    other = await api.paid_member(admin)
    advisor = await api.member()
    promoted = await api.call("PUT", f"/api/v1/admin/members/{advisor.id}/role", headers=admin.headers,
                              json={"role": "advisor"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "advisor"
    assigned = await api.call("PUT", f"/api/v1/admin/members/{supported.id}/advisor", headers=admin.headers,
                              json={"advisor_id": advisor.id})
    assert assigned.status_code == 200 and assigned.json()["advisor_id"] == advisor.id
    supported_activity = await _activity(api, supported, "Supported")
    other_activity = await _activity(api, other, "Other")

    # A refresh picks up the new role (it is read from the account, not the old token).
    tokens = (await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": advisor.refresh_token})).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    profile = await api.call("GET", f"/api/v1/members/{supported.id}", headers=headers)
    assert profile.status_code == 200
    assert profile.json()["iban"].startswith("BE71 ****")  # advisors see a masked IBAN
    assert (await api.call("GET", f"/api/v1/members/{other.id}", headers=headers)).status_code == 404
    listed = (await api.call("GET", "/api/v1/members", headers=headers)).json()["items"]
    assert [m["id"] for m in listed] == [supported.id]
    activities = (await api.call("GET", "/api/v1/activities", headers=headers)).json()["items"]
    assert [a["id"] for a in activities] == [supported_activity]
    assert (await api.call("GET", f"/api/v1/activities/{other_activity}", headers=headers)).status_code == 404
    assert (await api.call("GET", "/api/v1/admin/members", headers=headers)).status_code == 403
    # Advisors read; only the owner (or an admin) changes an activity.
    refused = await api.call("PATCH", f"/api/v1/activities/{supported_activity}", headers=headers,
                             json={"status": "suspended"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_activity_owner"

    [role_changed] = await tap.wait_for("members.member.role_changed.v1")
    assert role_changed["data"] == {"member_id": advisor.id, "role": "advisor", "previous_role": "member",
                                    "changed_by": admin.id}
    [assigned_event] = await tap.wait_for("members.member.advisor_assigned.v1")
    assert assigned_event["data"] == {"member_id": supported.id, "advisor_id": advisor.id,
                                      "previous_advisor_id": None}


async def test_a_demoted_admin_loses_admin_powers_before_the_token_expires(api: Api) -> None:
    admin = await api.admin()
    second = await api.member()
    await api.call("PUT", f"/api/v1/admin/members/{second.id}/role", headers=admin.headers, json={"role": "admin"})
    tokens = (await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": second.refresh_token})).json()
    as_admin = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await api.call("GET", "/api/v1/admin/members", headers=as_admin)).status_code == 200
    demoted = await api.call("PUT", f"/api/v1/admin/members/{second.id}/role", headers=admin.headers,
                             json={"role": "member"})
    assert demoted.status_code == 200
    # Same, still unexpired token: refused, because the role change revoked it.
    assert (await api.call("GET", "/api/v1/admin/members", headers=as_admin)).status_code == 401


async def test_a_member_cannot_raise_their_own_role(api: Api) -> None:
    member = await api.member()
    for body in ({"role": "admin"}, {"status": "erased"}, {"full_name": "X", "role": "advisor"}):
        response = await api.call("PATCH", "/api/v1/members/me", headers=member.headers, json=body)
        assert response.status_code == 422
        assert response.json()["error"]["field"] in {"role", "status"}
    forbidden = await api.call("PUT", f"/api/v1/admin/members/{member.id}/role", headers=member.headers,
                               json={"role": "admin"})
    assert forbidden.status_code == 403
    me = (await api.call("GET", "/api/v1/members/me", headers=member.headers)).json()
    assert me["role"] == "member" and me["full_name"] == "Ada Lovelace"
    assert (await api.db.members.find_one({"_id": member.id}))["role"] == "member"


async def test_profile_changes_are_validated_and_announced(api: Api, tap: EventTap) -> None:
    member = await api.member()
    bad = await api.call("PATCH", "/api/v1/members/me", headers=member.headers, json={"iban": "BE00 0000 0000 0000"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "iban"
    ok = await api.call("PATCH", "/api/v1/members/me", headers=member.headers,
                        json={"language": "nl", "iban": "BE62 5100 0754 7061"})
    assert ok.status_code == 200 and ok.json()["language"] == "nl"
    assert ok.json()["iban"] == "BE62 5100 0754 7061"
    same = await api.call("PATCH", "/api/v1/members/me", headers=member.headers, json={"language": "nl"})
    assert same.status_code == 200  # nothing changed: nothing announced
    [event] = await tap.wait_for("members.member.updated.v1")
    assert event["data"]["changed"] == ["language", "iban"] and event["data"]["iban"] == "BE62510007547061"
    await tap.drain()
    assert len(tap.of("members.member.updated.v1")) == 1


async def test_admins_cannot_change_their_own_role(api: Api) -> None:
    admin = await api.admin()
    response = await api.call("PUT", f"/api/v1/admin/members/{admin.id}/role", headers=admin.headers,
                              json={"role": "member"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "cannot_change_own_role"
