"""An upstream connection reset under an idempotent request is retried once;
a plain POST is not (the service may have acted on it)."""

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
async def flaky_upstream(resets: int) -> AsyncIterator[tuple[str, list[str]]]:
    """Drops the first ``resets`` connections without answering, then answers 200."""
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b" ", 2)[0].decode())
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        if length:
            await reader.readexactly(length)
        if len(seen) <= resets:
            writer.transport.abort()  # a reset, no answer
            return
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n"
                     b'{"ok":true}')
        await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


async def test_idempotent_requests_survive_one_reset_and_plain_posts_do_not_repeat(
        settings_for: Callable[..., Any], signing_key: SigningKey, token_for: Callable[..., Any]) -> None:
    headers = token_for("member-1")
    async with flaky_upstream(resets=1) as (url, seen):
        settings = settings_for(GatewaySettings, governance_url=url)
        async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
            got = await gateway.get("/api/v1/assemblies", headers=headers)
            assert got.status_code == 200 and got.json() == {"ok": True}
            assert seen == ["GET", "GET"]
    async with flaky_upstream(resets=2) as (url, seen):
        settings = settings_for(GatewaySettings, governance_url=url)
        async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
            posted = await gateway.post("/api/v1/assemblies", headers=headers, json={})
            assert posted.status_code == 502 and seen == ["POST"]
            keyed = await gateway.post("/api/v1/assemblies", json={},
                                       headers={**headers, "Idempotency-Key": "k-1"})
            assert keyed.status_code == 200 and seen == ["POST", "POST", "POST"]
