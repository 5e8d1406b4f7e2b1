"""The combined OpenAPI document: every service's paths under one schema."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

router = APIRouter(tags=["docs"])


async def _fetch(client: httpx.AsyncClient, name: str, base: str) -> tuple[str, dict[str, Any] | None]:
    try:
        response = await client.get(base.rstrip("/") + "/openapi.json", timeout=3.0)
        response.raise_for_status()
        return name, response.json()
    except (httpx.HTTPError, ValueError):
        return name, None


def merge(specs: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """Paths under /api/v1 from every spec (the gateway's own included)."""
    combined: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Shared company platform API", "version": "1.0.0",
                 "description": "All public routes, through the gateway."},
        "paths": {}, "components": {"schemas": {}}, "tags": [],
    }
    unavailable = []
    for name, spec in specs.items():
        if spec is None:
            unavailable.append(name)
            continue
        for path, item in spec.get("paths", {}).items():
            if path.startswith("/api/v1/"):
                combined["paths"][path] = item
        combined["components"]["schemas"].update(spec.get("components", {}).get("schemas", {}))
    if unavailable:
        combined["info"]["x-unavailable-services"] = unavailable
    return combined


@router.get("/api/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    state = request.app.state
    results = await asyncio.gather(*(_fetch(state.http, n, u) for n, u in state.upstreams.items()))
    return JSONResponse(merge({"gateway": request.app.openapi(), **dict(results)}))


@router.get("/api/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Shared company platform API")
