"""Every /api/v1 path on the allow-list is admitted, then forwarded to its service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from coop_shared.http.client_address import client_address
from coop_shared.http.errors import error_response
from gateway.adapters.proxy import forward
from gateway.domain.routes import resolve
from gateway.entrypoints.api.deps import get_context
from gateway.service_layer.admission import admit

router = APIRouter()

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
    admission = await admit(request, path, limits=ctx.limits, verifier=ctx.verifier,
                            keys=ctx.api_keys, partner_tokens=ctx.partner_tokens,
                            versions=ctx.token_versions, client_ip=client_ip)
    return await forward(ctx.http, route.upstream, ctx.upstreams[route.upstream], request,
                         authorization=admission.authorization, client_ip=client_ip,
                         upstream_timeout=ctx.timeouts.get(route.upstream),
                         body_limit=ctx.body_limits.for_path(path))
