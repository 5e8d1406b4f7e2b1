"""What a public client sees of the gateway: no internal documents or
counters, no internal addresses in redirects, no doubled headers, and
security headers on every API answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from members.config import MembersSettings
from members.main import create_app as create_members

PUBLIC = {"X-Forwarded-For": "203.0.113.9"}  # through the (trusted) load balancer


async def test_internal_endpoints_are_not_public(settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    settings = settings_for(GatewaySettings, trusted_proxies="127.0.0.0/8",
                            members_url=f"http://127.0.0.1:{free_port()}")
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        for path in ("/metrics", "/openapi.json"):
            public = await gateway.get(path, headers=PUBLIC)
            assert public.status_code == 404, path
            assert (await gateway.get(path)).status_code == 200, path  # from the operator's own network
        # FastAPI's CDN-loaded documentation pages exist nowhere (the API's are vendored, at /api/docs).
        for path in ("/docs", "/redoc"):
            assert (await gateway.get(path, headers=PUBLIC)).status_code == 404, path
            assert (await gateway.get(path)).status_code == 404, path
        ready = await gateway.get("/health/ready", headers=PUBLIC)
        assert ready.status_code == 200 and ready.json() == {"status": "ok"}
        detailed = (await gateway.get("/health/ready")).json()
        assert detailed["checks"]["members"]["status"] == "down"
        # The public API documents stay public.
        assert (await gateway.get("/api/docs", headers=PUBLIC)).status_code == 200


async def test_redirects_headers_and_personal_data(settings_for: Callable[..., Any]) -> None:
    key = SigningKey.generate()
    members_settings = settings_for(MembersSettings, jwt_private_key=key.to_pem(), jwt_key_id=key.kid,
                                    argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
    async with serving(create_members(members_settings), free_port()) as members_url:
        settings = settings_for(GatewaySettings, members_url=members_url)
        async with serving(trust_test_key(create_gateway(settings), key), free_port()) as url, \
                httpx.AsyncClient(base_url=url) as gateway:
            body = {"email": "ada@example.be", "password": "correct horse battery staple", "full_name": "Ada",
                    "language": "en", "iban": "BE71 0961 2345 6769",
                    "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"}}
            assert (await gateway.post("/api/v1/auth/register", json=body)).status_code == 201
            tokens = (await gateway.post("/api/v1/auth/login", json={k: body[k] for k in ("email", "password")})).json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}

            slashed = await gateway.get("/api/v1/members/me/", headers=auth)
            assert slashed.status_code == 307
            assert slashed.headers["location"] == "/api/v1/members/me"
            assert "127.0.0.1" not in slashed.headers["location"]

            me = await gateway.get("/api/v1/members/me", headers=auth)
            assert me.status_code == 200 and me.json()["email"] == "ada@example.be"
            for name in ("date", "server", "content-type", "cache-control", "x-content-type-options"):
                assert len(me.headers.get_list(name)) <= 1, name
            assert "server" not in me.headers
            assert me.headers["cache-control"] == "no-store"
            assert me.headers["x-content-type-options"] == "nosniff"
            assert me.headers["x-frame-options"] == "DENY"
            assert me.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in me.headers["content-security-policy"]
            # A route that is meant to be cached keeps its own policy.
            jwks = await gateway.get("/api/v1/auth/jwks")
            assert jwks.headers["cache-control"] == "public, max-age=300"
