"""Gateway: the one public entry for web, mobile and partner clients."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from coop_shared.service import Runtime, create_service_app
from gateway.config import GatewaySettings
from gateway.entrypoints.api import docs, proxy


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    app: FastAPI

    async def open_http(runtime: Runtime) -> None:
        app.state.upstreams = settings.upstreams()
        app.state.http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds,
                                  connect=settings.upstream_connect_timeout_seconds),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            follow_redirects=False,
        )

    async def close_http(runtime: Runtime) -> None:
        await app.state.http.aclose()

    def upstream_checks(runtime: Runtime) -> dict[str, object]:
        return {name: (lambda n=name, u=url: _upstream_ready(app, n, u))
                for name, url in settings.upstreams().items()}

    app = create_service_app(
        settings,
        title="Gateway",
        description="Routes /api/v1 to the services; serves the combined OpenAPI document.",
        routers=[docs.router, proxy.router],
        on_startup=[open_http],
        on_shutdown=[close_http],
        max_body_bytes=settings.max_body_bytes,
        extra_checks=upstream_checks,  # type: ignore[arg-type]
        messaging=False,
    )
    return app


async def _upstream_ready(app: FastAPI, name: str, url: str) -> dict[str, object]:
    try:
        response = await app.state.http.get(url.rstrip("/") + "/health/ready", timeout=2.0)
    except httpx.HTTPError as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok" if response.status_code == 200 else "down", "code": response.status_code}
