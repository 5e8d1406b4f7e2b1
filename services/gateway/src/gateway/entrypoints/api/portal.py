"""The web portal's pages (/app) and files (/static), forwarded to the portal service.

No token checks here: the portal holds its sessions itself and calls /api/v1 like
any client. Set-Cookie headers are passed on one by one (never folded).
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from starlette.responses import Response

from coop_shared.http.errors import error_response
from gateway.adapters.proxy import forward_headers
from gateway.domain.routes import is_canonical
from gateway.entrypoints.api.deps import get_context

router = APIRouter()

_SKIP = {"connection", "keep-alive", "date", "server", "transfer-encoding", "content-length", "content-encoding",
         "x-request-id", "x-correlation-id"}


async def _forward(request: Request) -> Response:
    path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or request.url.path
    if not is_canonical(path):
        return error_response(404, "not_found", "No such page.")
    ctx = get_context(request)
    settings = ctx.settings
    base = settings.portal_url.rstrip("/")
    try:
        upstream = await ctx.http.request(request.method, base + path, params=str(request.query_params),
                                            headers=forward_headers(request, None), content=await request.body(),
                                            timeout=settings.upstream_timeouts.get("portal"))
    except httpx.HTTPError:
        return error_response(503, "service_unavailable", "The portal is unavailable.", headers={"Retry-After": "5"})
    response = Response(content=upstream.content, status_code=upstream.status_code)
    for name, value in upstream.headers.multi_items():
        if name.lower() not in _SKIP:
            response.headers.append(name, value)
    return response


_METHODS = ["GET", "POST"]
router.add_api_route("/app", _forward, methods=_METHODS, include_in_schema=False)
router.add_api_route("/app/{path:path}", _forward, methods=_METHODS, include_in_schema=False)
router.add_api_route("/static/{path:path}", _forward, methods=["GET"], include_in_schema=False)
