"""What the service receives from the gateway, byte for byte where it matters: the query as the client
wrote it, only the headers the client sent (the gateway's HTTP client adds none of its own), and no
cookie of one answer replayed on another request; repeated answer headers stay repeated. Forwarded requests
take the short way through the gateway (not through FastAPI's router) with the same request ids, metrics,
refusals and answer headers as the gateway's own routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway


@asynccontextmanager
async def recording_upstream() -> AsyncIterator[tuple[str, list[bytes]]]:
    """Answers 200 with two Set-Cookie headers, keeping the head of every request it gets."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            heads.append(head)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
                         b"set-cookie: a=1; Path=/\r\nset-cookie: b=2; Path=/\r\n\r\n{}")
            await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}", heads
    finally:
        server.close()


def header_names(head: bytes) -> set[str]:
    return {line.split(b":", 1)[0].decode().lower() for line in head.split(b"\r\n")[1:] if b":" in line}


async def test_the_service_gets_the_clients_query_and_headers_and_no_replayed_cookie(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., Any]) -> None:
    async with recording_upstream() as (url, heads):
        settings = settings_for(GatewaySettings, governance_url=url)
        async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
            headers = {**token_for("member-1"), "accept": "application/json"}
            first = await gateway.get("/api/v1/assemblies?q=a%2Fb&name=%C3%A9t%C3%A9&x", headers=headers)
            gateway.cookies.clear()  # this client forgets them: only the gateway could still send them
            second = await gateway.get("/api/v1/assemblies", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert heads[0].split(b"\r\n", 1)[0] == b"GET /api/v1/assemblies?q=a%2Fb&name=%C3%A9t%C3%A9&x HTTP/1.1"
    sent = header_names(heads[1])
    assert "cookie" not in sent  # the first answer's cookies are never sent on anyone's behalf
    # The test client's own headers pass; nothing is added beyond the gateway's ids and forwarding headers.
    assert sent - {"host", "accept", "accept-encoding", "user-agent", "connection", "authorization",
                   "x-request-id", "x-correlation-id", "x-forwarded-for", "x-forwarded-proto"} == set()
    assert b"user-agent: python-httpx" in heads[1].lower()  # the client's, not the gateway's library's
    assert b"aiohttp" not in heads[1].lower()


def forwarded_count(status: str) -> float:
    return REGISTRY.get_sample_value("coop_http_requests_total", {
        "service": "gateway", "method": "GET", "route": "/api/v1/{path:path}", "status": status}) or 0.0


async def test_a_forwarded_request_skips_the_router_and_keeps_ids_metrics_and_headers(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    routed: list[str] = []
    route_request = Router.__call__

    async def spy(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routed.append(scope["path"])
        await route_request(self, scope, receive, send)

    monkeypatch.setattr(Router, "__call__", spy)
    async with recording_upstream() as (url, heads):
        settings = settings_for(GatewaySettings, governance_url=url)
        async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
            before = forwarded_count("200")
            forwarded = await gateway.get("/api/v1/assemblies", headers={**token_for("member-1"),
                                                                          "X-Request-ID": "req-forwarded-1"})
            own = await gateway.get("/api/v1/gateway/jwks")
            unknown = await gateway.get("/api/v1/nowhere", headers=token_for("member-1"))
            after = forwarded_count("200")
    assert forwarded.status_code == 200 and own.status_code == 200 and unknown.status_code == 404
    assert routed == ["/api/v1/gateway/jwks", "/api/v1/nowhere"]  # the forwarded one never reached it
    assert len(heads) == 1 and b"x-request-id: req-forwarded-1" in heads[0].lower()
    assert forwarded.headers["X-Request-ID"] == "req-forwarded-1"
    assert forwarded.headers["X-Content-Type-Options"] == "nosniff"  # the security headers of every answer
    assert forwarded.headers["RateLimit-Remaining"].isdigit()
    assert after == before + 1  # counted under the proxy's route, as before


async def test_a_refused_forwarded_request_gets_the_usual_json_error(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    async with recording_upstream() as (url, heads):
        settings = settings_for(GatewaySettings, governance_url=url)
        async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
            refused = await gateway.get("/api/v1/assemblies", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    error = refused.json()["error"]
    assert error["code"] == "invalid_token" and error["request_id"] == refused.headers["X-Request-ID"]
    assert heads == []  # the service never saw it
