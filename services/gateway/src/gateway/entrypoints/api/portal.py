"""The web portal's pages (/app) and files (/static), forwarded to the portal service.

No token checks here: the portal holds its sessions itself and calls /api/v1 like
any client. Set-Cookie headers are passed on one by one (never folded).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from coop_shared.http.client_address import client_address
from coop_shared.http.errors import error_response
from gateway.adapters.proxy import forward
from gateway.domain.routes import is_canonical
from gateway.entrypoints.api.deps import get_context

router = APIRouter()


async def _forward(request: Request) -> Response:
    path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or request.url.path
    if not is_canonical(path):
        return error_response(404, "not_found", "No such page.")
    ctx = get_context(request)
    # The same forwarding as the API's: pooled connections, bodies relayed as they are, no cookie kept.
    return await forward(ctx.upstream, "portal", ctx.settings.portal_url, request, authorization=None,
                         client_ip=client_address(request.scope, ctx.trusted_proxies),
                         upstream_timeout=ctx.timeouts.get("portal"), body_limit=ctx.body_limits.for_path(path))


_METHODS = ["GET", "POST"]
router.add_api_route("/app", _forward, methods=_METHODS, include_in_schema=False)
router.add_api_route("/app/{path:path}", _forward, methods=_METHODS, include_in_schema=False)
router.add_api_route("/static/{path:path}", _forward, methods=["GET"], include_in_schema=False)
