"""Every /api/v1 path on the allow-list is admitted, then forwarded to its service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pymongo.errors import PyMongoError
from starlette.responses import Response

from coop_shared.http.client_address import client_address
from coop_shared.http.errors import ApiError, error_response
from coop_shared.observability.context import request_id_var
from coop_shared.observability.logging import get_logger
from gateway.adapters.api_keys import ApiKeyStore
from gateway.adapters.proxy import forward
from gateway.domain.routes import resolve
from gateway.entrypoints.api.deps import get_context
from gateway.service_layer.admission import API_KEY_STATE, admit

router = APIRouter()
log = get_logger("proxy")

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route("/api/v1/{path:path}", methods=_METHODS, include_in_schema=False)
async def proxy(request: Request) -> Response:
    # Decide on the raw path as the client sent it: the upstream sees the same bytes.
    path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or request.url.path
    route = resolve(path)
    if route is None:
        return error_response(404, "not_found", "No such API route.")
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
