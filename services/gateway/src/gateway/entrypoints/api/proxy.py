"""Every /api/v1 path on the allow-list is admitted, then forwarded to its service.

Most of what the gateway answers is forwarded, so forwarding skips what the
gateway's own routes need and a forwarded request does not:
``DirectForwardingMiddleware`` sits inside the error backstop, the request
context (ids, access log, metrics) and the body-size limit, and takes each
allow-listed request before FastAPI routes it and before the services' JSON
conventions and text rule, which the service that answers applies itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pymongo.errors import PyMongoError
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from coop_shared.http.asgi import HttpMiddleware
from coop_shared.http.client_address import client_address
from coop_shared.http.errors import ApiError, api_error_response, error_response
from coop_shared.observability.context import request_id_var
from coop_shared.observability.logging import get_logger
from gateway.adapters.api_keys import ApiKeyStore
from gateway.adapters.proxy import forward
from gateway.domain.routes import Route, resolve
from gateway.entrypoints.api.deps import get_context
from gateway.service_layer.admission import API_KEY_STATE, admit

router = APIRouter()
log = get_logger("proxy")

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route("/api/v1/{path:path}", methods=_METHODS, include_in_schema=False)
async def unlisted(request: Request) -> Response:
    """What ``DirectForwardingMiddleware`` leaves: an /api/v1 path that is neither the gateway's own route
    nor on the allow-list."""
    return error_response(404, "not_found", "No such API route.")


def _path(scope: Scope) -> str:
    # Decide on the raw path as the client sent it: the upstream sees the same bytes.
    raw: bytes = scope.get("raw_path") or b""
    return raw.decode("latin-1").split("?", 1)[0] or scope["path"]


async def _admit_and_forward(request: Request, path: str, route: Route) -> Response:
    ctx = get_context(request)
    client_ip = client_address(request.scope, ctx.trusted_proxies)
    try:
        admission = await admit(request, path, limits=ctx.limits, verifier=ctx.verifier,
                                keys=ctx.api_keys, partner_tokens=ctx.partner_tokens,
                                versions=ctx.token_versions, client_ip=client_ip)
    except ApiError as refused:
        # A valid key refused (scope, rate limit) is in its audit trail: what a key tried matters too.
        key_id = getattr(request.state, API_KEY_STATE, None)
        if key_id is not None:
            await _audit(ctx.api_keys, key_id, request.method, path, refused.status, client_ip)
        raise
    response = await forward(ctx.upstream, route.upstream, ctx.upstreams[route.upstream], request,
                             authorization=admission.authorization, client_ip=client_ip,
                             upstream_timeout=ctx.timeouts.get(route.upstream),
                             body_limit=ctx.body_limits.for_path(path))
    if admission.api_key_id is not None:
        await _audit(ctx.api_keys, admission.api_key_id, request.method, path, response.status_code, client_ip)
    return response


async def _audit(keys: ApiKeyStore, key_id: str, method: str, path: str, status: int, client_ip: str) -> None:
    try:
        await keys.record_use(key_id, method=method, path=path, status=status, client_ip=client_ip,
                              request_id=request_id_var.get())
    except PyMongoError as exc:
        # The answer is not withheld (the service may already have acted): the missing line is logged loudly.
        log.error("api_key_audit_failed", api_key_id=key_id, path=path, error=str(exc))


# What a forwarded request is counted under in the metrics, whichever way it came in.
PROXY_ROUTE: BaseRoute = next(r for r in router.routes if getattr(r, "endpoint", None) is unlisted)
_FORWARDED_METHODS = frozenset(_METHODS)


class DirectForwardingMiddleware(HttpMiddleware):
    """Forwards allow-listed /api/v1 requests without FastAPI's routing and dependency resolution. No
    gateway route is on the allow-list (a unit test holds it), so none is shadowed."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _path(scope)
        route = resolve(path) if scope["method"] in _FORWARDED_METHODS else None
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = PROXY_ROUTE
        request = Request(scope, receive)
        try:
            response = await _admit_and_forward(request, path, route)
        except ApiError as refused:
            response = api_error_response(refused)
        await response(scope, receive, send)
