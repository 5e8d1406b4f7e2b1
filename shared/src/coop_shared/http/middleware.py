"""ASGI middleware: request ids, access logs and metrics, body size limit."""

from __future__ import annotations

import time

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coop_shared.http.asgi import HttpMiddleware
from coop_shared.http.errors import error_response
from coop_shared.http.security_headers import add_security_headers
from coop_shared.observability.context import (
    CORRELATION_ID_HEADER,
    REQUEST_ID_HEADER,
    bind_ids,
    new_id,
)
from coop_shared.observability.logging import get_logger
from coop_shared.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = get_logger("http")
_MAX_ID_LEN = 128


def _clean_id(value: str | None) -> str | None:
    # Ids come from clients: keep them short and printable so logs stay sane.
    if value and len(value) <= _MAX_ID_LEN and value.isprintable():
        return value
    return None


class RequestContextMiddleware(HttpMiddleware):
    """Request and correlation ids, access log and metrics for every request.

    Plain ASGI rather than BaseHTTPMiddleware: no extra task and no response
    re-streaming per request, which matters on the gateway's hot path.
    """

    def __init__(self, app: ASGIApp, service_name: str) -> None:
        super().__init__(app)
        self.service_name = service_name

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self.service_name)
        request_id = _clean_id(headers.get(REQUEST_ID_HEADER)) or new_id()
        correlation_id = _clean_id(headers.get(CORRELATION_ID_HEADER)) or request_id
        bind_ids(request_id=request_id, correlation_id=correlation_id)
        start = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers[CORRELATION_ID_HEADER] = correlation_id
                add_security_headers(response_headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - start
            route_path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service_name, method, route_path, str(status)).inc()
            HTTP_LATENCY.labels(self.service_name, method, route_path).observe(elapsed)
            path = scope["path"]
            if not path.startswith(("/health", "/metrics")):
                log.info("http_request", method=method, path=path, status=status, ms=round(elapsed * 1000, 2))


class UnhandledErrorMiddleware(HttpMiddleware):
    """An unexpected exception becomes a JSON 500, and the exception stops here.

    Starlette's own last-resort handler answers and then re-raises; uvicorn,
    seeing an exception after the response started, closes the connection, so
    the gateway's pooled keep-alive connection to this service was reset under
    the next, unrelated request. Here the connection stays usable. Only when
    the response had already started (nothing more can be said) does the
    exception go on, and uvicorn closes the connection as it must.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.exception("unhandled_error", error_type=type(exc).__name__)
            if started:
                raise
            response = error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
            await response(scope, receive, send)


class BodySizeLimitMiddleware(HttpMiddleware):
    """Refuse bodies above ``max_bytes`` with 413, counting what is actually
    received (a missing or lying Content-Length does not get past it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, "payload_too_large",
                                  f"Request body larger than {self.max_bytes} bytes.")
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
