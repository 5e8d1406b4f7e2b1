"""One JSON error format for every service.

Body: ``{"error": {"code": "...", "message": "...", "field": "...", "details": [...]}}``.
``code`` is stable (clients switch on it), ``field`` names the offending input
when there is one. Stack traces never leave the process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coop_shared.errors import DomainError, http_status
from coop_shared.observability.context import REQUEST_ID_HEADER, request_id_var
from coop_shared.observability.logging import get_logger

log = get_logger(__name__)

_STATUS_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout",
}


class ApiError(Exception):
    """Raise from an endpoint or use case to answer with a JSON error."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers


def error_body(code: str, message: str, field: str | None = None,
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    if details:
        body["details"] = details
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    return {"error": body}


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    hdrs = dict(headers or {})
    rid = request_id_var.get()
    if rid:
        hdrs.setdefault(REQUEST_ID_HEADER, rid)
    return JSONResponse(error_body(code, message, field, details), status_code=status, headers=hdrs)


def api_error_response(exc: ApiError) -> JSONResponse:
    """The answer to a raised ``ApiError``, wherever it is caught (an exception handler, an ASGI layer)."""
    return error_response(exc.status, exc.code, exc.message, field=exc.field, details=exc.details,
                          headers=exc.headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    # Drop the "body"/"query"/"path" prefix so the field reads as the client sent it.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _domain_response(status: int, exc: Exception) -> JSONResponse:
    """A domain error (the shared family, or a service's own with ``code``,
    ``message``, ``field``, ``details``) in the shared JSON error format."""
    details = getattr(exc, "details", None)
    if isinstance(details, dict):  # a mapping of facts (e.g. the amounts behind a refusal)
        details = [details]
    return error_response(status, getattr(exc, "code", "domain_error"), getattr(exc, "message", str(exc)),
                          field=getattr(exc, "field", None), details=details if isinstance(details, list) else None)


def install_error_handlers(app: FastAPI, domain_errors: dict[type[Exception], int] | None = None) -> None:
    """Register handlers; ``domain_errors`` maps a service's domain error types
    (with ``code``, ``message`` and optional ``field`` attributes) to a status."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"field": "body", "message": "invalid request"}
        return error_response(422, "validation_error", f"{first['field']}: {first['message']}",
                              field=first["field"], details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(DomainError)
    async def _family(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return _domain_response(http_status(exc), exc)

    for exc_type, status in (domain_errors or {}).items():
        def make(status: int = status) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
            async def _domain(_: Request, exc: Exception) -> JSONResponse:
                return _domain_response(status, exc)
            return _domain
        app.add_exception_handler(exc_type, make())

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
