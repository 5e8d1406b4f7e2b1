"""Forwarding a request to a service with httpx (pooled connections)."""

from __future__ import annotations

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

log = get_logger("proxy")

# RFC 9110 §7.6.1 hop-by-hop headers, plus the ones httpx recomputes.
_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}


def forward_headers(request: Request, authorization: str | None) -> dict[str, str]:
    # API keys never travel past the gateway; they are swapped for a token.
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in _HOP_BY_HOP and k.lower() not in {"authorization", "x-api-key"}}
    if authorization:
        headers["Authorization"] = authorization
    headers[REQUEST_ID_HEADER] = request_id_var.get() or ""
    headers[CORRELATION_ID_HEADER] = correlation_id_var.get() or ""
    client = request.client.host if request.client else ""
    prior = request.headers.get("x-forwarded-for")
    headers["X-Forwarded-For"] = f"{prior}, {client}" if prior else client
    headers["X-Forwarded-Proto"] = request.url.scheme
    return headers


async def forward(client: httpx.AsyncClient, upstream_name: str, base_url: str, request: Request, *,
                  authorization: str | None, upstream_timeout: httpx.Timeout | None = None) -> Response:
    url = base_url.rstrip("/") + request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    body = await request.body()
    try:
        upstream = await client.request(request.method, url, params=str(request.query_params),
                                        headers=forward_headers(request, authorization), content=body,
                                        timeout=upstream_timeout)
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
    headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP
               and k.lower() not in {"content-encoding", REQUEST_ID_HEADER.lower(), CORRELATION_ID_HEADER.lower()}}
    return Response(content=upstream.content, status_code=upstream.status_code, headers=headers)
