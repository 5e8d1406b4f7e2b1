"""The foundation's slice, through the gateway, against the running platform."""

from __future__ import annotations

import os
import signal
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


def _inbox(client: httpx.Client, gateway: str, auth: dict[str, str]) -> list[dict[str, object]]:
    response = client.get(f"{gateway}/api/v1/inbox", headers=auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _registration(email: str) -> dict[str, object]:
    return {"email": email, "password": "correct horse battery staple", "full_name": "Ada Lovelace",
            "language": "en", "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
            "iban": "BE71 0961 2345 6769"}


def test_registering_through_the_gateway_produces_one_inbox_entry(platform: Platform) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.be"
    body = _registration(email)
    register = f"{platform.gateway}/api/v1/auth/register"
    with httpx.Client(timeout=10) as client:
        key = {"Idempotency-Key": str(uuid.uuid4()), "X-Request-ID": "e2e-register-1"}
        first = client.post(register, json=body, headers=key)
        assert first.status_code == 201, first.text
        assert first.headers["X-Request-ID"] == "e2e-register-1"
        member_id = first.json()["id"]
        # A retried request (same key) replays the answer and changes nothing.
        replay = client.post(register, json=body, headers=key)
        assert replay.status_code == 201 and replay.json() == first.json()
        assert replay.headers.get("Idempotent-Replayed") == "true"
        # The same e-mail without the key is a conflict naming the field.
        again = client.post(register, json=body)
        assert again.status_code == 409 and again.json()["error"]["field"] == "email"

        login = client.post(f"{platform.gateway}/api/v1/auth/login",
                            json={"email": email, "password": body["password"]})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

        deadline = time.monotonic() + 15
        items = _inbox(client, platform.gateway, auth)
        while not items and time.monotonic() < deadline:
            time.sleep(0.2)
            items = _inbox(client, platform.gateway, auth)
        assert len(items) == 1
        assert items[0]["title"] == "Welcome to the cooperative"
        time.sleep(1.0)  # give a duplicate delivery every chance to show up
        assert len(_inbox(client, platform.gateway, auth)) == 1

        direct = client.get(f"{platform.url('members')}/api/v1/members/{member_id}", headers=auth)
        via_gateway = client.get(f"{platform.gateway}/api/v1/members/{member_id}", headers=auth)
        assert direct.status_code == via_gateway.status_code == 200
        assert direct.json() == via_gateway.json()
        assert client.get(f"{platform.gateway}/api/v1/members/{member_id}").status_code == 401


def test_bad_input_is_a_422_naming_the_field(platform: Platform) -> None:
    with httpx.Client(timeout=5) as client:
        response = client.post(f"{platform.gateway}/api/v1/auth/register", json=_registration("not-an-email"))
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["field"] == "email"


def test_unknown_and_traversal_paths_are_404_json(platform: Platform) -> None:
    with httpx.Client(timeout=5) as client:
        for path in ("/api/v1/nothing-here", "/api/v1/../internal", "/api/v1/members/..%2f..%2fhealth"):
            response = client.get(platform.gateway + path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"


def test_a_service_that_dies_is_restarted_by_the_platform_and_said_so(platform: Platform) -> None:
    before = platform.service_pids()
    assert set(before) == set(platform.ports)
    os.kill(before["notifications"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    ready = False
    with httpx.Client(timeout=2) as client:
        while not ready and time.monotonic() < deadline:
            time.sleep(0.3)
            try:
                ready = client.get(f"{platform.url('notifications')}/health/ready").status_code == 200
            except httpx.HTTPError:
                ready = False
    assert ready, "notifications did not come back within 60 s"
    after = platform.service_pids()
    assert after["notifications"] != before["notifications"]
    assert {k: v for k, v in after.items() if k != "notifications"} == \
        {k: v for k, v in before.items() if k != "notifications"}  # the others were left alone
    said = _lines_until(platform, "notifications restarted", timeout=10)
    assert f"notifications (pid {before['notifications']}) exited with code -9" in said, said
    assert f"notifications restarted (pid {after['notifications']}, restart 1)" in said, said


def _lines_until(platform: Platform, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in platform.output) and time.monotonic() < deadline:
        time.sleep(0.2)
    return "".join(platform.output)
