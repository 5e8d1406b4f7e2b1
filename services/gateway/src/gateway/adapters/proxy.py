"""Forwarding a request to a service over aiohttp's pooled keep-alive connections.

aiohttp rather than httpx on this path: measured with 16 concurrent requests
on one pool, httpx's pool spends about 2.9 ms of CPU per request (it scans and
polls every pooled connection on each one), aiohttp about 0.2 ms.
"""

from __future__ import annotations

from collections.abc import Awaitable

import aiohttp
from starlette.requests import Request
from starlette.responses import Response
from yarl import URL

from coop_shared.http.errors import error_response
from coop_shared.observability.context import (
    CORRELATION_ID_HEADER,
    REQUEST_ID_HEADER,
    correlation_id_var,
    request_id_var,
)
from coop_shared.observability.logging import get_logger
from gateway.adapters.answer_headers import answer_headers
from gateway.adapters.retry import send_with_retry
from gateway.adapters.streaming import BodyTooLarge, relay_response, request_content

log = get_logger("proxy")
_OWN_HEADERS = frozenset({REQUEST_ID_HEADER, CORRELATION_ID_HEADER})  # the gateway's middleware sets them

# RFC 9110 §7.6.1 hop-by-hop headers, plus the ones the client recomputes.
_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}


def upstream_session(*, max_connections: int, keepalive_seconds: float,
                     timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    """The pool every forwarded request goes through. It keeps no cookies, sends only the headers the
    client sent (nothing added: no Accept-Encoding the client did not ask for, no User-Agent, no
    Content-Type), and relays bodies as they are (no decompression: Content-Encoding stays true)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=keepalive_seconds),
        cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False, timeout=timeout,
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"))


def forward_headers(request: Request, authorization: str | None, client_ip: str | None = None
                    ) -> dict[str, str]:
    # API keys never travel past the gateway; they are swapped for a token.
    # X-Forwarded-* are the gateway's to write: what a client sent is dropped.
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in _HOP_BY_HOP and k.lower() not in {"authorization", "x-api-key"}
               and not k.lower().startswith(("x-forwarded-", "forwarded", "x-real-ip"))}
    if authorization:
        headers["Authorization"] = authorization
    headers[REQUEST_ID_HEADER] = request_id_var.get() or ""
    headers[CORRELATION_ID_HEADER] = correlation_id_var.get() or ""
    # One hop: the client as resolved against the trusted proxies (the services trust the gateway).
    headers["X-Forwarded-For"] = client_ip or (request.client.host if request.client else "")
    headers["X-Forwarded-Proto"] = request.url.scheme
    return headers


def _too_large(exc: BaseException) -> BodyTooLarge | None:
    """The BodyTooLarge a streamed body raised, which the client library may have wrapped."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BodyTooLarge):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _payload_too_large(exc: BodyTooLarge) -> Response:
    return error_response(413, "payload_too_large", str(exc), field="body", details=[{"limit_bytes": exc.limit}])


async def forward(session: aiohttp.ClientSession, upstream_name: str, base_url: str, request: Request, *,
                  authorization: str | None, upstream_timeout: aiohttp.ClientTimeout | None = None,
                  body_limit: int | None = None, client_ip: str | None = None) -> Response:
    target = base_url.rstrip("/") + request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    # Sent as the client wrote it (encoded=True): the service sees the same bytes the gateway decided on.
    url = URL(target + ("?" + query if query else ""), encoded=True)
    try:
        content, length = await request_content(request, body_limit if body_limit is not None else 1 << 62)
    except BodyTooLarge as exc:
        return _payload_too_large(exc)
    headers = forward_headers(request, authorization, client_ip)
    if length is not None and (length or request.method not in {"GET", "HEAD", "DELETE"}):
        headers["Content-Length"] = str(length)
    data = content if content != b"" else None

    def send() -> Awaitable[aiohttp.ClientResponse]:
        return session.request(request.method, url, headers=headers, data=data, allow_redirects=False,
                               timeout=upstream_timeout or session.timeout)

    try:
        upstream = await send_with_retry(
            send, method=request.method, headers=headers, upstream=upstream_name,
            # A streamed body is read once: only a body held in memory can be sent again.
            repeatable=isinstance(content, bytes))
    except BodyTooLarge as exc:  # a declared length that lied, caught mid-stream
        return _payload_too_large(exc)
    except aiohttp.ClientConnectorError:
        log.warning("upstream_unavailable", upstream=upstream_name)
        return error_response(503, "service_unavailable", f"The {upstream_name} service is unavailable.",
                              headers={"Retry-After": "5"})
    except TimeoutError:
        log.warning("upstream_timeout", upstream=upstream_name)
        return error_response(504, "gateway_timeout", f"The {upstream_name} service did not answer in time.")
    except aiohttp.ClientError as exc:
        if (too_large := _too_large(exc)) is not None:
            return _payload_too_large(too_large)
        log.warning("upstream_error", upstream=upstream_name, error=str(exc))
        return error_response(502, "bad_gateway", f"The {upstream_name} service answered badly.")
    # Raw bytes are relayed, so the upstream's content-encoding stays true.
    return await relay_response(upstream, answer_headers(upstream, _OWN_HEADERS))
