"""Logging in, tokens, refresh rotation, logout, password change, throttle."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
from prometheus_client import REGISTRY

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import SigningKey, TokenVerifier, issue_access_token

from .conftest import PASSWORD, Api, registration


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _error(response: Any) -> dict[str, Any]:
    error = dict(response.json()["error"])
    error.pop("request_id", None)
    return error


async def test_right_password_gets_tokens_that_verify_against_the_jwks(api: Api) -> None:
    body = registration()
    registered = await api.call("POST", "/api/v1/auth/register", json=body)
    response = await api.login(body["email"].upper(), PASSWORD)  # e-mail case does not matter
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and 0 < tokens["expires_in"] <= 900
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}

    jwks = (await api.client.get("/api/v1/auth/jwks")).json()
    principal = await TokenVerifier(jwks=jwks).verify(tokens["access_token"])  # what every other service does
    assert principal.id == registered.json()["id"] and principal.role is Role.MEMBER
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "RS256" and header["kid"] == jwks["keys"][0]["kid"]
    claims = _claims(tokens["access_token"])
    assert claims["exp"] - claims["iat"] <= 900 and claims["aud"] == "coop-platform"
    me = await api.call("GET", "/api/v1/members/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == body["email"]


async def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    account = await api.member()
    wrong_password = await api.login(account.email, "not the right password")
    unknown_email = await api.login("nobody@example.be", "not the right password")
    malformed = await api.login("not-an-email", "x")
    assert wrong_password.status_code == unknown_email.status_code == malformed.status_code == 401
    assert _error(wrong_password) == _error(unknown_email) == _error(malformed)
    assert _error(wrong_password)["code"] == "invalid_credentials"
    assert "field" not in _error(wrong_password)  # no hint which part was wrong


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_forged_expired_and_misaddressed_tokens_are_refused(api: Api) -> None:
    account = await api.member()
    key: SigningKey = api.app.state.context.signing_key
    real = _claims(account.access_token)
    impostor = SigningKey(kid=key.kid, private_key=SigningKey.generate().private_key)
    now = int(time.time())
    tokens = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{_b64(real)}.",
        "wrong signature": issue_access_token(impostor, subject=account.id, role=Role.ADMIN),
        "expired": issue_access_token(key, subject=account.id, role=Role.MEMBER, ttl_seconds=-60),
        "wrong audience": issue_access_token(key, subject=account.id, role=Role.MEMBER, audience="someone-else"),
        "wrong issuer": issue_access_token(key, subject=account.id, role=Role.MEMBER, issuer="evil"),
        "HS256 with the public key": jwt.encode({**real, "exp": now + 600}, "a public key used as an HMAC secret",
                                                algorithm="HS256", headers={"kid": key.kid}),
        "tampered payload": ".".join([account.access_token.split(".")[0], _b64({**real, "role": "admin"}),
                                      account.access_token.split(".")[2]]),
        "garbage": "not.a.token",
    }
    for name, token in tokens.items():
        response = await api.call("GET", "/api/v1/members/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "invalid_token", name
    assert (await api.call("GET", "/api/v1/members/me")).status_code == 401
    assert (await api.call("GET", "/api/v1/members/me", headers=account.headers)).status_code == 200


async def _refresh(api: Api, token: str) -> Any:
    return await api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_reusing_a_rotated_token_revokes_the_family(api: Api) -> None:
    account = await api.member()
    other_device = await api.account(account.email)  # a second family, unaffected
    first = account.refresh_token
    second = await _refresh(api, first)
    assert second.status_code == 200 and second.headers["cache-control"] == "no-store"
    third = await _refresh(api, second.json()["refresh_token"])
    assert third.status_code == 200
    assert len({first, second.json()["refresh_token"], third.json()["refresh_token"]}) == 3

    reuse = await _refresh(api, first)  # a stolen copy of a retired token
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "refresh_token_reused"
    latest = await _refresh(api, third.json()["refresh_token"])  # the legitimate holder is logged out too
    assert latest.status_code == 401 and latest.json()["error"]["code"] == "invalid_refresh_token"
    statuses = {d["status"] async for d in api.db.refresh_tokens.find({"member_id": account.id})}
    assert statuses == {"revoked", "active"}
    assert (await _refresh(api, other_device.refresh_token)).status_code == 200
    assert (await _refresh(api, "never-issued")).status_code == 401


async def test_logout_ends_the_session(api: Api) -> None:
    account = await api.member()
    response = await api.call("POST", "/api/v1/auth/logout", json={"refresh_token": account.refresh_token})
    assert response.status_code == 204
    assert (await _refresh(api, account.refresh_token)).status_code == 401
    again = await api.call("POST", "/api/v1/auth/logout", json={"refresh_token": account.refresh_token})
    assert again.status_code == 204


async def test_password_change_needs_the_current_one_and_ends_every_session(api: Api) -> None:
    account = await api.member()
    wrong = await api.call("POST", "/api/v1/auth/password", headers=account.headers,
                           json={"current_password": "wrong password!", "new_password": "a brand new passphrase"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "current_password"
    weak = await api.call("POST", "/api/v1/auth/password", headers=account.headers,
                          json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "new_password"
    changed = await api.call("POST", "/api/v1/auth/password", headers=account.headers,
                             json={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 200 and changed.json() == {"status": "changed", "sessions_revoked": 1}
    assert (await _refresh(api, account.refresh_token)).status_code == 401
    assert (await api.login(account.email, PASSWORD)).status_code == 401
    assert (await api.login(account.email, "a brand new passphrase")).status_code == 200


def _argon2_runs() -> float:
    return sum(REGISTRY.get_sample_value("coop_members_password_hash_operations_total", {"operation": op}) or 0.0
               for op in ("hash", "verify"))


async def test_repeated_failures_are_throttled_before_any_hashing(start: Callable[..., Any]) -> None:
    async with start(login_max_failures=3, login_lockout_seconds=120) as api:
        account = await api.member()
        before = _argon2_runs()
        for _ in range(3):
            assert (await api.login(account.email, "wrong guess number")).status_code == 401
        assert _argon2_runs() == before + 3
        throttled = await api.login(account.email, "wrong guess number")
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(throttled.headers["Retry-After"]) <= 120
        # Locked: even the right password is not checked (no Argon2 work at all).
        assert (await api.login(account.email, PASSWORD)).status_code == 429
        assert _argon2_runs() == before + 3
        # Unknown addresses are throttled the same way (no account oracle).
        for _ in range(3):
            assert (await api.login("ghost@example.be", "guess")).status_code == 401
        assert (await api.login("ghost@example.be", "guess")).status_code == 429
        # Other accounts are not affected.
        other = await api.member()
        assert (await api.login(other.email, PASSWORD)).status_code == 200


async def test_a_success_resets_the_failure_count(start: Callable[..., Any]) -> None:
    async with start(login_max_failures=3) as api:
        account = await api.member()
        for _ in range(3):
            assert (await api.login(account.email, "wrong guess")).status_code == 401
            assert (await api.login(account.email, "wrong guess")).status_code == 401
            assert (await api.login(account.email, PASSWORD)).status_code == 200


async def test_responses_never_carry_password_hashes_or_stored_token_hashes(api: Api) -> None:
    account = await api.member()
    await _refresh(api, account.refresh_token)
    for path in ("/api/v1/members/me", "/api/v1/members/me/export", f"/api/v1/members/{account.id}"):
        assert (await api.call("GET", path, headers=account.headers)).status_code == 200
    secrets = [d["password_hash"] async for d in api.db.credentials.find()]
    secrets += [d["token_hash"] async for d in api.db.refresh_tokens.find()]
    assert secrets[0].startswith("$argon2id$") and len(secrets) >= 3
    for response in api.responses:
        assert "$argon2" not in response.text
        assert "password_hash" not in response.text and "token_hash" not in response.text
        for secret in secrets:
            assert secret not in response.text
    # At rest: refresh tokens only as hashes; idempotency records hold no password.
    async for doc in api.db.refresh_tokens.find():
        assert account.refresh_token not in json.dumps(doc, default=str)
    async for doc in api.db.idempotency_keys.find():
        assert PASSWORD not in json.dumps(doc, default=str)
