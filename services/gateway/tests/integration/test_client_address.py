"""Per-IP limits key on the connection's address, not on a client's
X-Forwarded-For; behind a trusted proxy, on the right-most untrusted hop;
logins are also limited per account and requests per token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway


def _gateway(settings_for: Callable[..., Any], signing_key: SigningKey, **overrides: Any) -> Any:
    settings = settings_for(GatewaySettings, members_url=f"http://127.0.0.1:{free_port()}", **overrides)
    return running(trust_test_key(create_gateway(settings), signing_key))


async def test_a_new_forwarded_for_per_request_does_not_escape_the_per_ip_limit(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    settings = settings_for(GatewaySettings, members_url=f"http://127.0.0.1:{free_port()}",
                            rate_limit_sensitive_per_ip_per_minute=3)
    # Over real HTTP, served as in production (uvicorn from 127.0.0.1).
    async with serving(trust_test_key(create_gateway(settings), signing_key), free_port()) as url, \
            httpx.AsyncClient(base_url=url) as gateway:
        codes = [(await gateway.post("/api/v1/auth/login", json={"email": f"u{i}@example.be"},
                                     headers={"X-Forwarded-For": f"198.51.100.{i}"})).status_code
                 for i in range(4)]
    assert codes == [503, 503, 503, 429]  # 503: passed the limiter, nothing listens upstream


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    async with _gateway(settings_for, signing_key, rate_limit_sensitive_per_ip_per_minute=2,
                        trusted_proxies="127.0.0.0/8") as gateway:
        async def login(forwarded: str, email: str) -> int:
            response = await gateway.post("/api/v1/auth/login", json={"email": email},
                                          headers={"X-Forwarded-For": forwarded})
            return response.status_code

        # The client forges a left-most hop each time; the proxy appends the real one.
        same = [await login(f"10.0.0.{i}, 203.0.113.5", f"a{i}@example.be") for i in range(3)]
        other = await login("203.0.113.6", "b@example.be")
    assert same == [503, 503, 429] and other == 503


async def test_logins_for_one_account_are_limited_whatever_the_address(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    async with _gateway(settings_for, signing_key, trusted_proxies="127.0.0.0/8",
                        rate_limit_sensitive_per_account_per_minute=3) as gateway:
        codes = [(await gateway.post("/api/v1/auth/login", json={"email": " Admin@Coop.localhost"},
                                     headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
                 for i in range(4)]
    assert codes == [503, 503, 503, 429]


async def test_requests_are_limited_per_token(settings_for: Callable[..., Any], signing_key: SigningKey,
                                              token_for: Callable[..., Any]) -> None:
    async with _gateway(settings_for, signing_key, rate_limit_per_token_per_minute=2) as gateway:
        first = token_for("member-1")
        codes = [(await gateway.get("/api/v1/members/x", headers=first)).status_code for _ in range(3)]
        second = await gateway.get("/api/v1/members/x", headers=token_for("member-1", ttl_seconds=600))
    assert codes == [503, 503, 429] and second.status_code == 503
