"""The foundation's slice, through the gateway, against the running platform."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.e2e.conftest import Platform


def test_every_service_reports_ready(platform: Platform) -> None:
    with httpx.Client(timeout=5) as client:
        for name in platform.ports:
            response = client.get(f"{platform.url(name)}/health/ready")
            assert response.status_code == 200, (name, response.text)
            assert response.json()["status"] == "ok"
        gateway = client.get(f"{platform.gateway}/health/ready").json()
        assert set(gateway["checks"]) >= {"mongodb", "members", "invoicing", "payroll", "governance",
                                          "notifications"}


def _inbox(client: httpx.Client, gateway: str, member_id: str) -> list[dict[str, object]]:
    response = client.get(f"{gateway}/api/v1/inbox", params={"member_id": member_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_registering_through_the_gateway_produces_one_inbox_entry(platform: Platform) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.be"
    body = {"email": email, "full_name": "Ada Lovelace", "language": "en"}
    with httpx.Client(timeout=10) as client:
        key = {"Idempotency-Key": str(uuid.uuid4()), "X-Request-ID": "e2e-register-1"}
        first = client.post(f"{platform.gateway}/api/v1/members", json=body, headers=key)
        assert first.status_code == 201, first.text
        assert first.headers["X-Request-ID"] == "e2e-register-1"
        member_id = first.json()["id"]
        # A retried request (same key) replays the answer and changes nothing.
        replay = client.post(f"{platform.gateway}/api/v1/members", json=body, headers=key)
        assert replay.status_code == 201 and replay.json() == first.json()
        assert replay.headers.get("Idempotent-Replayed") == "true"
        # The same e-mail without the key is a conflict naming the field.
        again = client.post(f"{platform.gateway}/api/v1/members", json=body)
        assert again.status_code == 409 and again.json()["error"]["field"] == "email"

        deadline = time.monotonic() + 15
        items = _inbox(client, platform.gateway, member_id)
        while not items and time.monotonic() < deadline:
            time.sleep(0.2)
            items = _inbox(client, platform.gateway, member_id)
        assert len(items) == 1
        assert items[0]["title"] == "Welcome to the cooperative"
        time.sleep(1.0)  # give a duplicate delivery every chance to show up
        assert len(_inbox(client, platform.gateway, member_id)) == 1
        direct = client.get(f"{platform.url('members')}/api/v1/members/{member_id}")
        via_gateway = client.get(f"{platform.gateway}/api/v1/members/{member_id}")
        assert direct.status_code == via_gateway.status_code == 200
        assert direct.json() == via_gateway.json()


def test_bad_input_is_a_422_naming_the_field(platform: Platform) -> None:
    with httpx.Client(timeout=5) as client:
        response = client.post(f"{platform.gateway}/api/v1/members",
                                json={"email": "not-an-email", "full_name": "X"})
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["field"] == "email"


def test_unknown_and_traversal_paths_are_404_json(platform: Platform) -> None:
    with httpx.Client(timeout=5) as client:
        for path in ("/api/v1/nothing-here", "/api/v1/../internal", "/api/v1/members/..%2f..%2fhealth"):
            response = client.get(platform.gateway + path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
