"""A revoked access token (role change, erasure) is refused by the gateway and
by the other services within seconds, with no call to members per request:
each learns the member's new token version from members' event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from members.config import MembersSettings
from members.main import create_app as create_members

ADMIN = ("admin@coop.localhost", "admin password for tests")
PASSWORD = "correct horse battery staple"


class Platform:
    def __init__(self, gateway: httpx.AsyncClient, invoicing_url: str) -> None:
        self.gateway = gateway
        self.invoicing_url = invoicing_url

    async def login(self, email: str, password: str) -> dict[str, str]:
        response = await self.gateway.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        tokens: dict[str, str] = response.json()
        return tokens


@pytest.fixture
async def platform(settings_for: Callable[..., Any]) -> AsyncIterator[Platform]:
    key = SigningKey.generate()  # the members service's key, which the others trust
    members_settings = settings_for(
        MembersSettings, jwt_private_key=key.to_pem(), jwt_key_id=key.kid, bootstrap_admin_email=ADMIN[0],
        bootstrap_admin_password=ADMIN[1], argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
    async with AsyncExitStack() as exits:
        members_url = await exits.enter_async_context(serving(create_members(members_settings), free_port()))
        invoicing_url = await exits.enter_async_context(
            serving(trust_test_key(create_invoicing(settings_for(InvoicingSettings)), key), free_port()))
        gateway_settings = settings_for(GatewaySettings, members_url=members_url, invoicing_url=invoicing_url,
                                        rate_limit_sensitive_per_ip_per_minute=100)
        gateway_url = await exits.enter_async_context(
            serving(trust_test_key(create_gateway(gateway_settings), key), free_port()))
        client = await exits.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=10))
        yield Platform(client, invoicing_url)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _refused_within(check: Callable[[], Any], seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"still accepted after {seconds} s")


async def test_a_demoted_admin_cannot_create_a_partner_key_with_the_old_token(platform: Platform) -> None:
    gw = platform.gateway
    admin = _bearer((await platform.login(*ADMIN))["access_token"])
    body = {"email": "second.admin@example.be", "password": PASSWORD, "full_name": "Grace Hopper",
            "language": "en", "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
            "iban": "BE71 0961 2345 6769"}
    registered = await gw.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    second_id = registered.json()["id"]
    promoted = await gw.put(f"/api/v1/admin/members/{second_id}/role", headers=admin, json={"role": "admin"})
    assert promoted.status_code == 200, promoted.text
    old = _bearer((await platform.login(body["email"], PASSWORD))["access_token"])
    key = {"name": "Accounting", "scopes": ["invoices:read"]}
    assert (await gw.post("/api/v1/admin/api-keys", headers=old, json=key)).status_code == 201
    assert (await gw.get("/api/v1/admin/api-keys", headers=old)).status_code == 200  # now in the token cache

    demoted = await gw.put(f"/api/v1/admin/members/{second_id}/role", headers=admin, json={"role": "member"})
    assert demoted.status_code == 200

    async def gateway_refuses() -> bool:
        response = await gw.post("/api/v1/admin/api-keys", headers=old, json=key)
        assert response.status_code in (201, 401), response.text
        return response.status_code == 401

    async with httpx.AsyncClient(timeout=5) as direct:
        async def invoicing_refuses() -> bool:
            response = await direct.get(platform.invoicing_url + "/api/v1/invoices", headers=old)
            return response.status_code == 401

        waited = await _refused_within(gateway_refuses, 5.0)
        await _refused_within(invoicing_refuses, 5.0)
    print(f"old token refused by the gateway {waited:.2f} s after the demotion")
    refused = await gw.get("/api/v1/admin/api-keys", headers=old)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert waited < 2.0  # the event's trip: outbox relay, broker, the gateway's consumer


async def test_an_erased_members_token_stops_working_on_the_other_services(platform: Platform) -> None:
    gw = platform.gateway
    body = {"email": "leaving@example.be", "password": PASSWORD, "full_name": "Ada Lovelace", "language": "en",
            "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
            "iban": "BE71 0961 2345 6769"}
    assert (await gw.post("/api/v1/auth/register", json=body)).status_code == 201
    token = _bearer((await platform.login(body["email"], PASSWORD))["access_token"])
    assert (await gw.get("/api/v1/invoices", headers=token)).status_code == 200
    erased = await gw.post("/api/v1/members/me/erasure", headers=token, json={"password": PASSWORD})
    assert erased.status_code == 202, erased.text

    async with httpx.AsyncClient(timeout=5) as direct:
        async def invoicing_refuses() -> bool:
            response = await direct.get(platform.invoicing_url + "/api/v1/invoices", headers=token)
            return response.status_code == 401

        await _refused_within(invoicing_refuses, 5.0)
    assert (await gw.get("/api/v1/invoices", headers=token)).status_code == 401
