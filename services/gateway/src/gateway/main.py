"""Gateway: the one public entry for web, mobile and partner clients."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from limits.aio.strategies import MovingWindowRateLimiter

from coop_shared.auth.keystore import load_signing_key
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, TokenVerifier
from coop_shared.http.health import ReadinessCheck
from coop_shared.service import Runtime, create_service_app
from gateway.adapters.api_keys import INDEXES, ApiKeyStore
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.adapters.proxy import cookieless_jar
from gateway.adapters.rate_limits import RATE_LIMIT_INDEXES, MovingWindowLimit, storage_for
from gateway.config import GatewaySettings
from gateway.entrypoints.api import admin_jobs, admin_keys, client_pages, dev_mail, docs, jwks, portal, proxy
from gateway.entrypoints.internal import InternalOnlyMiddleware, readiness_details
from gateway.entrypoints.response_headers import (
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    CORS_METHODS,
    GatewayHeadersMiddleware,
)
from gateway.service_layer.admission import Limits


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        if settings.environment == "production" and settings.api_key_pepper.startswith("development"):
            raise RuntimeError("API_KEY_PEPPER must be set in production")
        app.state.settings = settings
        app.state.upstreams = settings.upstreams()
        app.state.openapi_cache_seconds = settings.openapi_cache_seconds
        timeouts = {name: httpx.Timeout(settings.upstream_timeouts.get(name, settings.upstream_timeout_seconds),
                                        connect=settings.upstream_connect_timeout_seconds)
                    for name in app.state.upstreams}
        app.state.http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds,
                                  connect=settings.upstream_connect_timeout_seconds),
            # Idle connections expire before uvicorn's 5 s keep-alive closes
            # them from the other side, so a pooled connection is never reused
            # just as the service drops it.
            limits=httpx.Limits(max_connections=settings.upstream_max_connections,
                                max_keepalive_connections=settings.upstream_keepalive_connections,
                                keepalive_expiry=settings.upstream_keepalive_seconds),
            follow_redirects=False,
            cookies=cookieless_jar(),
        )
        app.state.timeouts = timeouts
        app.state.body_limits = settings.body_limits()
        key = await load_signing_key(runtime.db, pem=settings.gateway_jwt_private_key,
                                     environment=settings.environment, setting_name="GATEWAY_JWT_PRIVATE_KEY")
        app.state.partner_tokens = PartnerTokens(key, issuer=settings.gateway_jwt_issuer,
                                                 audience=settings.jwt_audience)
        # Our own partner tokens are verified with the key in hand, not over HTTP.
        verifier: TokenVerifier = app.state.token_verifier
        verifier.trust(KeySource(settings.gateway_jwt_issuer, PARTNER_ROLES, jwks={"keys": [key.public_jwk()]}))
        app.state.api_keys = ApiKeyStore(runtime.db, settings.api_key_pepper, settings.api_key_cache_seconds)
        # One moving window per quota, shared by every replica when counted in MongoDB.
        strategy = MovingWindowRateLimiter(storage_for(settings.rate_limit_storage_kind, runtime.db))
        app.state.limits = Limits(
            per_ip=MovingWindowLimit(strategy, settings.rate_limit_per_ip_per_minute, "ip"),
            per_principal=MovingWindowLimit(strategy, settings.rate_limit_per_principal_per_minute, "principal"),
            sensitive_per_ip=MovingWindowLimit(strategy, settings.rate_limit_sensitive_per_ip_per_minute,
                                               "sensitive-ip"),
            sensitive_per_account=MovingWindowLimit(strategy, settings.rate_limit_sensitive_per_account_per_minute,
                                                    "sensitive-account"),
            per_token=MovingWindowLimit(strategy, settings.rate_limit_per_token_per_minute, "token"),
        )
        app.state.trusted_proxies = settings.trusted_networks

    async def stop(runtime: Runtime) -> None:
        await app.state.http.aclose()

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
        on_startup=[start],
        on_shutdown=[stop],
        # The outer backstop; each route's own limit is applied by the proxy.
        max_body_bytes=settings.body_limits().largest,
        extra_checks=upstream_checks,
        # The broker only feeds revoked token versions to the gateway: when it is
        # away, the gateway keeps serving with what it learned (and re-reads its store).
        messaging=True,
        messaging_required=False,
        readiness_details=readiness_details(settings.trusted_networks, settings.internal),
    )
    app.add_middleware(InternalOnlyMiddleware, trusted=settings.trusted_networks, internal=settings.internal)
    if settings.dev_mail_enabled:
        app.state.dev_mail_dir = Path(settings.dev_mail_dir or ".")
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
        response = await app.state.http.get(url.rstrip("/") + "/health/ready", timeout=2.0)
    except httpx.HTTPError as exc:
        return {"status": "down", "required": False, "error": type(exc).__name__}
    return {"status": "ok" if response.status_code == 200 else "down", "required": False,
            "code": response.status_code}
