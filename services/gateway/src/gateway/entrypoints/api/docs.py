"""The combined OpenAPI document and its viewers (Swagger UI, ReDoc).

Each service's document is kept for ``openapi_cache_seconds``, then read
again; one that cannot be read is left out, named in
``info.x-unavailable-services``, and tried again on the next request.
``?strict=true`` answers 503 rather than an incomplete document. The viewers'
scripts are vendored in ``gateway/static`` (no CDN): ``make docs-assets``
copies them from the pinned npm packages.
"""

from __future__ import annotations

import asyncio
import time
from importlib.resources import files
from typing import Any

import aiohttp
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from coop_shared.http.errors import error_response
from coop_shared.observability.logging import get_logger
from gateway.context import context_of
from gateway.entrypoints.api.deps import get_context
from gateway.service_layer.api_document import UNAVAILABLE, Spec, combine

router = APIRouter(tags=["docs"])

OPENAPI_URL = "/api/openapi.json"
ASSETS = "/api/docs/assets"
TITLE = "Shared company platform API"
# Only these files are served, by name: nothing else of the package is reachable.
_ASSET_FILES = {
    "swagger-ui-bundle.js": ("swagger-ui", "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui", "swagger-ui.css", "text/css"),
    "favicon-32x32.png": ("swagger-ui", "favicon-32x32.png", "image/png"),
    "redoc.standalone.js": ("redoc", "redoc.standalone.js", "text/javascript"),
}


log = get_logger("api_document")
# As long as a service may take to render its document under load (per read: a large document is
# generated before its first byte), not one budget for the whole exchange.
_DOCUMENT_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=3.0, sock_read=10.0)


async def _fetch(session: aiohttp.ClientSession, name: str, base: str) -> tuple[str, Spec | None]:
    try:
        async with session.get(base.rstrip("/") + "/openapi.json", timeout=_DOCUMENT_TIMEOUT) as answer:
            answer.raise_for_status()
            spec = await answer.json(content_type=None)
        return name, spec if isinstance(spec, dict) and "paths" in spec else None
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("api_document_unreadable", service=name, error=f"{type(exc).__name__}: {exc}"[:300])
        return name, None


async def combined_document(app: FastAPI, max_age: float) -> Spec:
    """Services' documents younger than ``max_age`` are reused; the others are
    read again, and one that cannot be read is left out and named."""
    context = context_of(app.state.runtime)
    cache = context.openapi
    upstreams = context.upstreams
    now = time.monotonic()
    stale = [name for name in upstreams if name not in cache.specs or now - cache.specs[name][1] >= max_age]
    for name, spec in await asyncio.gather(*(_fetch(context.upstream, n, upstreams[n]) for n in stale)):
        if spec is None:
            cache.specs.pop(name, None)
        else:
            cache.specs[name] = (spec, now)
    key = tuple((name, cache.specs[name][1] if name in cache.specs else None) for name in upstreams)
    if cache.combined is None or cache.combined[0] != key:
        specs: dict[str, Spec | None] = {"gateway": app.openapi()}
        specs.update({name: cache.specs[name][0] if name in cache.specs else None for name in upstreams})
        cache.combined = (key, combine(specs, order=["gateway", *upstreams]))
    return cache.combined[1]


@router.get(OPENAPI_URL, include_in_schema=False)
async def openapi(request: Request, strict: bool = Query(default=False)) -> JSONResponse:
    max_age = get_context(request).settings.openapi_cache_seconds
    document = await combined_document(request.app, max_age)
    missing: list[str] = document["info"].get(UNAVAILABLE, [])
    if strict and missing:
        return error_response(503, "service_unavailable",
                              "The API document is incomplete: " + ", ".join(missing) + " could not be read.",
                              details=[{"service": name} for name in missing], headers={"Retry-After": "5"})
    headers = {"Cache-Control": "no-store"} if missing else {"Cache-Control": f"public, max-age={int(max_age)}"}
    return JSONResponse(document, headers=headers)


@router.get("/api/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL, title=TITLE,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayOperationId": True},
    )


@router.get("/api/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url=OPENAPI_URL, title=TITLE, redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                          redoc_favicon_url=f"{ASSETS}/favicon-32x32.png", with_google_fonts=False)


@router.get(ASSETS + "/{name}", include_in_schema=False)
async def asset(name: str) -> Any:
    entry = _ASSET_FILES.get(name)
    if entry is None:
        return error_response(404, "not_found", "No such documentation asset.")
    folder, filename, media_type = entry
    path = files("gateway") / "static" / folder / filename
    return FileResponse(str(path), media_type=media_type,
                        headers={"Cache-Control": "public, max-age=86400"})
