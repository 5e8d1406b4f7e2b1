"""Gateway: the one public entry for web, mobile and partner clients."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from coop_shared.auth.keystore import load_signing_key
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, TokenVerifier
from coop_shared.http.health import ReadinessCheck
from coop_shared.service import Runtime, create_service_app
from gateway.adapters.api_keys import INDEXES, ApiKeyStore
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.config import GatewaySettings
from gateway.domain.rate_limit import SlidingWindowLimiter
from gateway.entrypoints.api import admin_keys, docs, jwks, proxy
from gateway.service_layer.admission import Limits


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        if settings.environment == "production" and settings.api_key_pepper.startswith("development"):
            raise RuntimeError("API_KEY_PEPPER must be set in production")
        app.state.upstreams = settings.upstreams()
        timeouts = {name: httpx.Timeout(settings.upstream_timeouts.get(name, settings.upstream_timeout_seconds),
                                        connect=settings.upstream_connect_timeout_seconds)
                    for name in app.state.upstreams}
        app.state.http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds,
                                  connect=settings.upstream_connect_timeout_seconds),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            follow_redirects=False,
        )
        app.state.timeouts = timeouts
        key = await load_signing_key(runtime.db, pem=settings.gateway_jwt_private_key,
                                     environment=settings.environment, setting_name="GATEWAY_JWT_PRIVATE_KEY")
        app.state.partner_tokens = PartnerTokens(key, issuer=settings.gateway_jwt_issuer,
                                                 audience=settings.jwt_audience)
        # Our own partner tokens are verified with the key in hand, not over HTTP.
        verifier: TokenVerifier = app.state.token_verifier
        verifier.trust(KeySource(settings.gateway_jwt_issuer, PARTNER_ROLES, jwks={"keys": [key.public_jwk()]}))
        app.state.api_keys = ApiKeyStore(runtime.db, settings.api_key_pepper, settings.api_key_cache_seconds)
        app.state.limits = Limits(
            per_ip=SlidingWindowLimiter(settings.rate_limit_per_ip_per_minute),
            per_principal=SlidingWindowLimiter(settings.rate_limit_per_principal_per_minute),
            sensitive_per_ip=SlidingWindowLimiter(settings.rate_limit_sensitive_per_ip_per_minute),
        )

    async def stop(runtime: Runtime) -> None:
        await app.state.http.aclose()

    def upstream_checks(runtime: Runtime) -> dict[str, ReadinessCheck]:
        return {name: (lambda n=name, u=url: _upstream_ready(app, n, u))  # type: ignore[misc]
                for name, url in settings.upstreams().items()}

    app = create_service_app(
        settings,
        title="Gateway",
        description="Routes /api/v1 to the services; serves the combined OpenAPI document.",
        routers=[docs.router, jwks.router, admin_keys.router, proxy.router],
        indexes=INDEXES,
        on_startup=[start],
        on_shutdown=[stop],
        max_body_bytes=settings.max_body_bytes,
        extra_checks=upstream_checks,
        messaging=False,
    )
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID",
                                          "X-API-Key"],
                           expose_headers=["X-Request-ID", "Retry-After"])
    return app


async def _upstream_ready(app: FastAPI, name: str, url: str) -> dict[str, object]:
    """One service down must not take the whole API out of rotation: the gateway
    stays ready and answers 503 for that service's routes only."""
    try:
        response = await app.state.http.get(url.rstrip("/") + "/health/ready", timeout=2.0)
    except httpx.HTTPError as exc:
        return {"status": "down", "required": False, "error": type(exc).__name__}
    return {"status": "ok" if response.status_code == 200 else "down", "required": False,
            "code": response.status_code}
