"""Registration: validation names the field and stores nothing; duplicates
and replays."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, EventTap, registration

INVALID = [
    ({"iban": "BE71 0961 2345 6768"}, "iban"),  # wrong check digits
    ({"iban": "US12 3456 7890 1234 5678"}, "iban"),
    ({"niss": "85.07.30-033.29"}, "niss"),  # wrong check digits
    ({"email": "not-an-email"}, "email"),
    ({"email": "ada@example"}, "email"),
    ({"password": "short"}, "password"),
    ({"language": "de"}, "language"),
    ({"role": "admin"}, "role"),  # mass assignment: refused, not ignored silently
    ({"status": "active"}, "status"),
    ({"address": {"street": "Rue Haute 1", "postal_code": "10000", "city": "Bruxelles"}}, "address.postal_code"),
    ({"full_name": ""}, "full_name"),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID, ids=[f for _, f in INVALID])
async def test_invalid_input_is_a_422_naming_the_field_and_stores_nothing(
        api: Api, overrides: dict[str, Any], field: str) -> None:
    response = await api.call("POST", "/api/v1/auth/register", json=registration(**overrides))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] in {"validation_error", "invalid_address", "weak_password"}
    if field in {"iban", "niss"}:  # the domain's stable code travels as the detail's type
        assert error["details"][0]["type"] in {"invalid_iban", "iban_outside_sepa", "invalid_niss"}
    # Nothing stored: only the bootstrap admin exists, with its one event.
    assert await api.db.members.count_documents({}) == 1
    assert await api.db.credentials.count_documents({}) == 1
    assert await api.db.outbox.count_documents({}) == 1


async def test_duplicate_email_is_a_conflict_naming_the_field(api: Api) -> None:
    first = await api.call("POST", "/api/v1/auth/register", json=registration("Ada@Example.be"))
    assert first.status_code == 201 and first.json()["email"] == "ada@example.be"
    again = await api.call("POST", "/api/v1/auth/register", json=registration("ada@EXAMPLE.be"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken" and again.json()["error"]["field"] == "email"


async def test_a_replayed_registration_returns_the_first_answer_and_emits_once(api: Api, tap: EventTap) -> None:
    body = registration()
    headers = {"Idempotency-Key": "register-once"}
    first = await api.call("POST", "/api/v1/auth/register", json=body, headers=headers)
    replay = await api.call("POST", "/api/v1/auth/register", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
    assert await api.db.members.count_documents({"email": body["email"]}) == 1
    await tap.drain()
    assert [e["subject"] for e in tap.of("members.member.registered.v1")].count(first.json()["id"]) == 1


async def test_registration_normalises_and_never_asks_for_a_role(api: Api) -> None:
    response = await api.call("POST", "/api/v1/auth/register",
                              json=registration(iban="be62 5100 0754 7061", niss="85073003328"))
    profile = response.json()
    assert profile["role"] == "member"
    assert profile["iban"] == "BE62 5100 0754 7061" and profile["niss"] == "**.**.**-***.28"
    stored = await api.db.members.find_one({"_id": profile["id"]})
    assert stored["iban"] == "BE62510007547061" and stored["niss"] == "85073003328"
    assert "password" not in str(stored)


async def test_a_replay_with_another_password_is_refused_not_answered_with_the_first(api: Api) -> None:
    body = registration()
    headers = {"Idempotency-Key": "register-twice"}
    first = await api.call("POST", "/api/v1/auth/register", json=body, headers=headers)
    assert first.status_code == 201
    other = await api.call("POST", "/api/v1/auth/register", json={**body, "password": "another long passphrase"},
                           headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    stored = [doc async for doc in api.db.idempotency_keys.find({})]
    assert len(stored) == 1 and body["password"] not in str(stored)


@pytest.mark.parametrize(("password", "code"), [("password1234", "common_password"),
                                                ("Password123!", "common_password"),
                                                ("AdaLovelace2024", "personal_password")])
async def test_common_and_personal_passwords_are_refused(api: Api, password: str, code: str) -> None:
    response = await api.call("POST", "/api/v1/auth/register", json=registration(password=password))
    assert response.status_code == 422
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, "password")
