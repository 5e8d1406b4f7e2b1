"""Moving bodies between the client and a service without holding large ones
in memory: the request body is refused early when too large (declared
``Content-Length`` checked before anything is read, a chunked body counted
as it arrives and never forwarded past the limit) and streamed upstream when
large; small bodies, the common case, travel in one piece."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

# Below this, one read is cheaper than a stream; above it, memory matters.
STREAM_THRESHOLD = 64 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body larger than {limit} bytes.")
        self.limit = limit


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


async def request_content(request: Request, limit: int) -> tuple[bytes | AsyncIterator[bytes], int | None]:
    """The body to forward and its length. Raises BodyTooLarge before
    forwarding anything over ``limit``."""
    length = declared_length(request)
    if length is not None and length > limit:
        raise BodyTooLarge(limit)
    if request.method in {"GET", "HEAD", "DELETE"} and not length:
        return b"", None
    if length is not None and length > STREAM_THRESHOLD:
        return _counted(request, limit), length
    # Chunked (length unknown) or small: read, counting, at most limit bytes.
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    return body, len(body)


async def _counted(request: Request, limit: int) -> AsyncIterator[bytes]:
    # A declared length that lies is caught here; the upstream then sees an
    # aborted request, never a complete oversized one.
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge(limit)
        if chunk:
            yield chunk


async def relay_response(upstream: aiohttp.ClientResponse, headers: list[tuple[str, str]]) -> Response:
    """Small answers in one piece, large or unsized ones streamed through.
    Headers are a list so that repeated ones (set-cookie) stay repeated."""
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    length = upstream.headers.get("content-length")
    response: Response
    if length is not None and length.isdigit() and int(length) <= STREAM_THRESHOLD:
        try:
            body = await upstream.read()
        finally:
            upstream.release()
        response = Response(content=body, status_code=upstream.status)
    else:
        response = StreamingResponse(_relayed(upstream), status_code=upstream.status)
    response.raw_headers += raw
    return response


async def _relayed(upstream: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    # Released however the stream ends: read to the end, the connection goes back to the pool; cut short
    # (the client went away), it is closed.
    try:
        async for chunk in upstream.content.iter_any():
            yield chunk
    finally:
        upstream.release()
