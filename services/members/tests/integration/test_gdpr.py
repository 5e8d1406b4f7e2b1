"""GDPR: export everything, erase personal data, keep what the law keeps."""

from __future__ import annotations

import json

from .conftest import PASSWORD, Api, EventTap, registration


async def test_export_holds_all_my_data_and_no_secret(api: Api) -> None:
    admin = await api.admin()
    member = await api.paid_member(admin)
    await api.call("POST", "/api/v1/activities", headers=member.headers,
                   json={"name": "Potager partagé", "sector": "gardening"})
    response = await api.call("GET", "/api/v1/members/me/export", headers=member.headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["member"]["id"] == member.id and data["member"]["niss"] == "85.07.30-033.28"
    assert data["member"]["iban"] == "BE71 0961 2345 6769"
    assert [e["kind"] for e in data["share_register"]] == ["subscription", "payment"]
    assert [a["name"] for a in data["activities"]] == ["Potager partagé"]
    assert data["sessions"] and set(data["sessions"][0]) == {"family_id", "status", "created_at", "expires_at"}
    text = json.dumps(data)
    assert "$argon2" not in text and "hash" not in text and member.refresh_token not in text


async def test_erasure_removes_personal_data_keeps_the_register_restricted_and_tells_others(
        api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    member = await api.paid_member(admin)
    activity = (await api.call("POST", "/api/v1/activities", headers=member.headers,
                               json={"name": "Studio photo", "sector": "arts_and_culture"})).json()
    wrong = await api.call("POST", "/api/v1/members/me/erasure", headers=member.headers,
                           json={"password": "not my password"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "password"

    erased = await api.call("POST", "/api/v1/members/me/erasure", headers=member.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 202, erased.text
    assert erased.json()["restricted"] == ["share_register"]

    stored = await api.db.members.find_one({"_id": member.id})
    assert stored["status"] == "erased"
    assert stored["email"] is None and stored["full_name"] == "" and stored["iban"] is None
    assert stored["niss"] is None and stored["address"] is None
    assert stored["legal_hold"]["restricted"] is True and stored["legal_hold"]["reason"] == "share_register"
    assert await api.db.credentials.count_documents({"_id": member.id}) == 0
    assert await api.db.refresh_tokens.count_documents({"member_id": member.id}) == 0
    assert await api.db.share_register.count_documents({"member_id": member.id}) == 2  # legal retention
    assert (await api.db.activities.find_one({"_id": activity["id"]}))["status"] == "closed"

    assert (await api.login(member.email)).status_code == 401
    assert (await api.call("GET", "/api/v1/members/me", headers=member.headers)).status_code == 401  # revoked
    assert (await api.call("GET", f"/api/v1/members/{member.id}", headers=admin.headers)).status_code == 404
    refresh = await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": member.refresh_token})
    assert refresh.status_code == 401
    # The address is free again: erasure leaves no trace of it.
    again = await api.call("POST", "/api/v1/auth/register", json=registration(member.email))
    assert again.status_code == 201 and again.json()["id"] != member.id

    [event] = await tap.wait_for("members.member.erased.v1")
    assert event["data"]["member_id"] == member.id and event["data"]["restricted"] == ["share_register"]
    closed = [e for e in await tap.wait_for("members.activity.closed.v1") if e["subject"] == activity["id"]]
    assert len(closed) == 1
