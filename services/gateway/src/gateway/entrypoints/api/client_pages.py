"""/client/...: the pages a member's client opens from an e-mail (no login),
rendered by the invoicing service and forwarded as they are.

The token in the path is the only credential: it is never logged here, never
swapped for anything, and answers are rate limited per address (stricter for
answers, where guessing is the attack).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from coop_shared.http.client_address import client_address
from coop_shared.http.errors import ApiError, error_response
from gateway.adapters.proxy import forward
from gateway.domain.routes import resolve_client
from gateway.entrypoints.api.deps import get_context
from gateway.service_layer.admission import limit

router = APIRouter()


@router.api_route("/client/{path:path}", methods=["GET", "POST"], include_in_schema=False)
async def client_page(request: Request) -> Response:
    path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or request.url.path
    route = resolve_client(path)
    if route is None:
        return error_response(404, "not_found", "No such page.")
    ctx = get_context(request)
    client_ip = client_address(request.scope, ctx.trusted_proxies)
    try:
        await limit(ctx.limits.per_ip, client_ip)
        if request.method == "POST":
            await limit(ctx.limits.sensitive_per_ip, client_ip)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)
    return await forward(ctx.upstream, route.upstream, ctx.upstreams[route.upstream], request, authorization=None,
                         client_ip=client_ip, upstream_timeout=ctx.timeouts.get(route.upstream),
                         body_limit=ctx.body_limits.for_path(path))
