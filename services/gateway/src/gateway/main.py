"""Gateway: the one public entry for web, mobile and partner clients."""

from __future__ import annotations

import aiohttp
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from coop_shared.http.health import ReadinessCheck
from coop_shared.service import Runtime, create_service_app
from gateway.adapters.api_keys import INDEXES
from gateway.adapters.rate_limits import RATE_LIMIT_INDEXES
from gateway.config import GatewaySettings
from gateway.context import Context, build_context, context_of
from gateway.entrypoints.api import admin_jobs, admin_keys, client_pages, dev_mail, docs, jwks, portal, proxy
from gateway.entrypoints.internal import InternalOnlyMiddleware, readiness_details
from gateway.entrypoints.response_headers import (
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    CORS_METHODS,
    GatewayHeadersMiddleware,
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    app: FastAPI

    async def bootstrap(runtime: Runtime) -> Context:
        return await build_context(runtime, settings, app.state.token_verifier)

    async def stop(runtime: Runtime) -> None:
        await context_of(runtime).upstream.close()

    def upstream_checks(runtime: Runtime) -> dict[str, ReadinessCheck]:
        return {name: (lambda n=name, u=url: _upstream_ready(app, n, u))  # type: ignore[misc]
                for name, url in settings.upstreams().items()}

    app = create_service_app(
        settings,
        title="Gateway",
        description="Routes /api/v1 to the services; serves the combined OpenAPI document.",
        routers=[docs.router, jwks.router, admin_keys.router, admin_jobs.router, proxy.router, client_pages.router,
                 portal.router, *([dev_mail.router] if settings.dev_mail_enabled else [])],
        indexes=[*INDEXES, *RATE_LIMIT_INDEXES],
        bootstrap=bootstrap,
        on_shutdown=[stop],
        # The outer backstop; each route's own limit is applied by the proxy.
        max_body_bytes=settings.body_limits().largest,
        extra_checks=upstream_checks,
        # The broker only feeds revoked token versions to the gateway: when it is
        # away, the gateway keeps serving with what it learned (and re-reads its store).
        messaging=True,
        messaging_required=False,
        readiness_details=readiness_details(settings.trusted_networks, settings.internal),
        passthrough=proxy.DirectForwardingMiddleware,
    )
    app.add_middleware(InternalOnlyMiddleware, trusted=settings.trusted_networks, internal=settings.internal)
    app.add_middleware(GatewayHeadersMiddleware)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                           allow_methods=CORS_METHODS, allow_headers=CORS_ALLOW_HEADERS,
                           expose_headers=CORS_EXPOSE_HEADERS, max_age=600)
    return app


async def _upstream_ready(app: FastAPI, name: str, url: str) -> dict[str, object]:
    """One service down must not take the whole API out of rotation: the gateway
    stays ready and answers 503 for that service's routes only."""
    try:
        async with context_of(app.state.runtime).upstream.get(
                url.rstrip("/") + "/health/ready", timeout=aiohttp.ClientTimeout(total=2.0)) as answer:
            code = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return {"status": "down", "required": False, "error": type(exc).__name__}
    return {"status": "ok" if code == 200 else "down", "required": False, "code": code}
