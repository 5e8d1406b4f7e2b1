"""Small client helpers for walking journeys through the gateway."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

PASSWORD = "a long enough passphrase 123"


def eventually(call: Callable[[], httpx.Response], ok: Callable[[httpx.Response], bool],
               timeout: float = 20.0) -> httpx.Response:
    """Events travel asynchronously: retry a request until it shows their effect."""
    deadline = time.monotonic() + timeout
    response = call()
    while not ok(response) and time.monotonic() < deadline:
        time.sleep(0.25)
        response = call()
    assert ok(response), f"{response.status_code} {response.text[:500]}"
    return response


class Api:
    def __init__(self, client: httpx.Client, gateway: str) -> None:
        self.client = client
        self.gateway = gateway

    def url(self, path: str) -> str:
        return self.gateway + path

    def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = self.client.post(self.url("/api/v1/auth/login"), json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def register(self, name: str, language: str = "en") -> tuple[str, str, dict[str, str]]:
        email = f"{name.lower().replace(' ', '.')}-{uuid.uuid4().hex[:8]}@example.be"
        response = self.client.post(self.url("/api/v1/auth/register"), json={
            "email": email, "password": PASSWORD, "full_name": name, "language": language,
            "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
            "iban": "BE71096123456769"})
        assert response.status_code == 201, response.text
        return response.json()["id"], email, self.login(email)

    def post(self, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.post(self.url(path), headers=headers, **kwargs)

    def get(self, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.get(self.url(path), headers=headers, **kwargs)

    def member_with_client(self, admin: dict[str, str], name: str, activity: str,
                           advisor_id: str | None = None, client_email: str | None = None) -> dict[str, Any]:
        """A member with a paid share, an activity and a private client, ready to invoice."""
        member_id, email, member = self.register(name)
        if advisor_id:
            assert self.client.put(self.url(f"/api/v1/admin/members/{member_id}/advisor"), headers=admin,
                                   json={"advisor_id": advisor_id}).status_code == 200
        share = self.post("/api/v1/shares", member, json={"quantity": 1})
        assert self.post(f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", admin).status_code == 201
        activity_id = self.post("/api/v1/activities", member, json={"name": activity, "sector": "digital"}).json()["id"]
        client_id = eventually(lambda: self.post("/api/v1/clients", member, json={
            "activity_id": activity_id, "kind": "person", "name": f"{activity} Client",
            **({"email": client_email} if client_email else {}),
            "address": {"street": "Rue 1", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}),
            lambda r: r.status_code == 201).json()["id"]
        return {"id": member_id, "email": email, "headers": member, "activity_id": activity_id,
                "client_id": client_id}
