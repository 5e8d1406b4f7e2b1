"""Headers of the gateway's answers over real HTTP (uvicorn in front of the
gateway and of the service): RateLimit, one date and one server, CORS, and
the services' ETag / Location passed through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from governance.config import GovernanceSettings
from governance.main import create_app as create_governance

ORIGIN = "http://localhost:5173"


async def test_rate_limit_single_server_headers_cors_and_conventions(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., Any]) -> None:
    governance_port, gateway_port = free_port(), free_port()
    governance = trust_test_key(create_governance(settings_for(GovernanceSettings)), signing_key)
    settings = settings_for(GatewaySettings, governance_url=f"http://127.0.0.1:{governance_port}",
                            environment="development", rate_limit_per_principal_per_minute=50,
                            rate_limit_per_ip_per_minute=1000)
    assert ORIGIN in (settings.cors_origins or [])  # the local default
    gateway = trust_test_key(create_gateway(settings), signing_key)
    admin = token_for("admin-1", role="admin")
    async with serving(governance, governance_port), serving(gateway, gateway_port) as base, \
            httpx.AsyncClient(base_url=base, timeout=10) as http:
        created = await http.post("/api/v1/assemblies", headers={**admin, "Origin": ORIGIN}, json={
            "kind": "general", "title": "General assembly 2027", "opens_at": "2027-06-01T09:00:00+02:00",
            "closes_at": "2027-06-08T18:00:00+02:00"})
        assert created.status_code == 201, created.text
        # The service's conventions come through the gateway unchanged.
        assert created.headers["Location"] == f"/api/v1/assemblies/{created.json()['id']}"
        assert created.headers["ETag"].startswith('"')
        for answer in (created, await http.get("/api/v1/assemblies", headers=admin)):
            assert answer.headers.get_list("date").__len__() == 1, answer.headers.raw
            assert len(answer.headers.get_list("server")) <= 1, answer.headers.raw  # none: the server is not named
            assert int(answer.headers["RateLimit-Limit"]) == 50
            assert 0 <= int(answer.headers["RateLimit-Remaining"]) < 50
            assert answer.headers["RateLimit-Policy"] == '"default";q=50;w=60'
            assert answer.headers["RateLimit"].startswith('"default";r=')
        exposed = {h.strip().lower() for h in created.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"content-disposition", "idempotent-replayed", "location", "etag", "retry-after",
                "ratelimit", "ratelimit-remaining"} <= exposed
        assert created.headers["Access-Control-Allow-Origin"] == ORIGIN
        preflight = await http.options("/api/v1/assemblies/x", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "If-Match, Idempotency-Key"})
        assert preflight.status_code == 200
        assert "if-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
        refused = await http.get("/api/v1/assemblies", headers={**admin, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers
        fetched = await http.get(created.headers["Location"], headers=admin)
        assert fetched.headers["ETag"] == created.headers["ETag"]
        assert fetched.json()["opens_at"] == "2027-06-01T07:00:00.000Z"  # UTC, milliseconds


def test_production_has_no_cross_origin_default(settings_for: Callable[..., Any]) -> None:
    assert settings_for(GatewaySettings, environment="production",
                        api_key_pepper="p" * 40).cors_origins == []


async def test_a_resource_configured_to_need_if_match_refuses_writes_without_it(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., Any]) -> None:
    settings = settings_for(GatewaySettings, if_match_required=["/api/v1/admin/api-keys/"])
    admin = token_for("admin-1", role="admin")
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        created = await gateway.post("/api/v1/admin/api-keys", headers=admin,
                                     json={"name": "Books", "scopes": ["invoices:read"]})
        assert created.status_code == 201
        url = f"/api/v1/admin/api-keys/{created.json()['id']}"
        refused = await gateway.delete(url, headers=admin)
        assert refused.status_code == 428
        assert refused.json()["error"] == {**refused.json()["error"], "code": "precondition_required",
                                           "field": "If-Match"}
        assert (await gateway.delete(url, headers={**admin, "If-Match": "*"})).status_code == 200
