"""Forwarding a request to a service with httpx (pooled connections)."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from starlette.requests import Request
from starlette.responses import Response

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

# RFC 9110 §7.6.1 hop-by-hop headers, plus the ones httpx recomputes.
_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}


def cookieless_jar() -> CookieJar:
    """A jar that keeps nothing: one shared client must never replay one person's cookies for another."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


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


async def forward(client: httpx.AsyncClient, upstream_name: str, base_url: str, request: Request, *,
                  authorization: str | None, upstream_timeout: httpx.Timeout | None = None,
                  body_limit: int | None = None, client_ip: str | None = None) -> Response:
    url = base_url.rstrip("/") + request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    try:
        content, length = await request_content(request, body_limit if body_limit is not None else 1 << 62)
    except BodyTooLarge as exc:
        return error_response(413, "payload_too_large", str(exc), field="body",
                              details=[{"limit_bytes": exc.limit}])
    headers = forward_headers(request, authorization, client_ip)
    if length is not None and (length or request.method not in {"GET", "HEAD", "DELETE"}):
        headers["Content-Length"] = str(length)
    try:
        upstream = await send_with_retry(
            client, lambda: client.build_request(request.method, url, params=str(request.query_params),
                                                 headers=headers, content=content,
                                                 timeout=upstream_timeout),
            method=request.method, headers=headers, upstream=upstream_name,
            # A streamed body is read once: only a body held in memory can be sent again.
            repeatable=isinstance(content, bytes))
    except BodyTooLarge as exc:  # a declared length that lied, caught mid-stream
        return error_response(413, "payload_too_large", str(exc), field="body",
                              details=[{"limit_bytes": exc.limit}])
    except httpx.ConnectError:
        log.warning("upstream_unavailable", upstream=upstream_name)
        return error_response(503, "service_unavailable", f"The {upstream_name} service is unavailable.",
                              headers={"Retry-After": "5"})
    except httpx.TimeoutException:
        log.warning("upstream_timeout", upstream=upstream_name)
        return error_response(504, "gateway_timeout", f"The {upstream_name} service did not answer in time.")
    except httpx.HTTPError as exc:
        log.warning("upstream_error", upstream=upstream_name, error=str(exc))
        return error_response(502, "bad_gateway", f"The {upstream_name} service answered badly.")
    # Raw bytes are relayed, so the upstream's content-encoding stays true.
    return await relay_response(upstream, answer_headers(upstream, _OWN_HEADERS))
