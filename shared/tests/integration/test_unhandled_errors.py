"""A 500 leaves the keep-alive connection usable: the next request on the same
socket (the gateway pools them for every caller) gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from coop_shared.service import create_service_app
from coop_shared.settings import ServiceSettings
from coop_shared.testing.fixtures import serving
from coop_shared.testing.servers import free_port

router = APIRouter()


@router.get("/api/v1/boom")
async def boom() -> dict[str, str]:
    raise RuntimeError("a bug")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status = int(head.split(b" ", 2)[1])
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return status, await asyncio.wait_for(reader.readexactly(length), 5)


async def test_after_a_500_the_same_connection_answers_the_next_request(settings_for: Callable[..., Any]) -> None:
    settings = settings_for(ServiceSettings, service_name="errors-probe")
    app = create_service_app(settings, title="probe", routers=[router], messaging=False)
    port = free_port()
    async with serving(app, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            status, body = await _exchange(reader, writer, "/api/v1/boom")
            assert status == 500 and b'"internal_error"' in body and b"a bug" not in body
            status, body = await _exchange(reader, writer, "/health/live")
            assert status == 200 and body == b'{"status":"ok"}'
        finally:
            writer.close()
