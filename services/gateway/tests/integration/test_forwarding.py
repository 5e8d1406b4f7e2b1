"""What the service receives from the gateway, byte for byte where it matters: the query as the client
wrote it, only the headers the client sent (the gateway's HTTP client adds none of its own), and no
cookie of one answer replayed on another request; repeated answer headers stay repeated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

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
