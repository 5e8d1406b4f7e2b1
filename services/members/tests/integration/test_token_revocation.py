"""Access tokens stop working as soon as the account says so: a role change,
logout everywhere, a password change and erasure bump the member's token
version, announced as an event for every other service."""

from __future__ import annotations

from typing import Any

import jwt

from coop_shared.testing.events import EventTap

from .conftest import PASSWORD, Api


def _version(token: str) -> Any:
    return jwt.decode(token, options={"verify_signature": False}).get("token_version")


async def _refresh(api: Api, refresh_token: str) -> dict[str, str]:
    response = await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def test_a_demoted_admins_old_token_is_refused_everywhere_in_members(api: Api, tap: EventTap) -> None:
    admin = await api.admin()
    second = await api.member()
    assert _version(second.access_token) == 0
    await api.call("PUT", f"/api/v1/admin/members/{second.id}/role", headers=admin.headers, json={"role": "admin"})
    promoted = await _refresh(api, second.refresh_token)
    as_admin = {"Authorization": f"Bearer {promoted['access_token']}"}
    assert _version(promoted["access_token"]) == 1
    assert (await api.call("GET", "/api/v1/members/me", headers=as_admin)).status_code == 200

    demoted = await api.call("PUT", f"/api/v1/admin/members/{second.id}/role", headers=admin.headers,
                             json={"role": "member"})
    assert demoted.status_code == 200
    for path in ("/api/v1/admin/members", "/api/v1/members/me"):
        refused = await api.call("GET", path, headers=as_admin)
        assert refused.status_code == 401, path
        assert refused.json()["error"]["code"] == "token_revoked"
    # The session itself survives a role change: a refresh gives a token with the new role.
    fresh = await _refresh(api, promoted["refresh_token"])
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["role"] == "member"
    me = await api.call("GET", "/api/v1/members/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    assert me.status_code == 200

    changes = [e["data"] for e in await tap.wait_for("members.member.token_version_changed.v1", count=2)
               if e["data"]["member_id"] == second.id]
    assert [(c["token_version"], c["reason"]) for c in changes] == [(1, "role_changed"), (2, "role_changed")]
    assert (await api.db.token_versions.find_one({"_id": second.id}))["version"] == 2


async def test_logout_everywhere_revokes_access_and_refresh_tokens(api: Api, tap: EventTap) -> None:
    member = await api.member()
    other_device = await api.account(member.email)
    ended = await api.call("POST", "/api/v1/auth/logout-all", headers=member.headers)
    assert ended.status_code == 200 and ended.json()["sessions_revoked"] == 2
    for account in (member, other_device):
        assert (await api.call("GET", "/api/v1/members/me", headers=account.headers)).status_code == 401
        again = await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
        assert again.status_code == 401
    [event] = [e for e in await tap.wait_for("members.member.token_version_changed.v1")
               if e["data"]["member_id"] == member.id]
    assert event["data"]["reason"] == "logout_everywhere"
    back = await api.account(member.email)  # a new login works at once
    assert _version(back.access_token) == 1


async def test_a_password_change_revokes_the_access_tokens_already_issued(api: Api) -> None:
    member = await api.member()
    changed = await api.call("POST", "/api/v1/auth/password", headers=member.headers,
                             json={"current_password": PASSWORD, "new_password": "a new long passphrase 42"})
    assert changed.status_code == 200, changed.text
    refused = await api.call("GET", "/api/v1/members/me", headers=member.headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert (await api.account(member.email, "a new long passphrase 42")).id == member.id


async def test_erasure_announces_a_new_token_version(api: Api, tap: EventTap) -> None:
    member = await api.member()
    erased = await api.call("POST", "/api/v1/members/me/erasure", headers=member.headers,
                            json={"password": PASSWORD})
    assert erased.status_code == 202
    [event] = [e for e in await tap.wait_for("members.member.token_version_changed.v1")
               if e["data"]["member_id"] == member.id]
    assert event["data"] == {"member_id": member.id, "token_version": 1, "reason": "erased"}
    assert (await api.call("GET", "/api/v1/members/me", headers=member.headers)).status_code == 401
