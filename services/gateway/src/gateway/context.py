"""The gateway's composition root: what every route reads (the upstreams and
the pooled HTTP client to reach them, admission's keys, tokens and quotas),
built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from limits.aio.strategies import MovingWindowRateLimiter

from coop_shared.auth.keystore import load_signing_key
from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, TokenVerifier
from coop_shared.http.client_address import Network
from coop_shared.service import Runtime
from gateway.adapters.api_keys import ApiKeyStore
from gateway.adapters.openapi_cache import DocumentCache
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.adapters.proxy import upstream_session
from gateway.adapters.rate_limits import MovingWindowLimit, storage_for
from gateway.config import GatewaySettings
from gateway.domain.body_limits import BodyLimits
from gateway.service_layer.admission import Limits


@dataclass
class Context:
    settings: GatewaySettings
    upstreams: dict[str, str]
    # Every call to a service (forwarded requests, their OpenAPI documents, jobs and readiness).
    upstream: aiohttp.ClientSession
    timeouts: dict[str, aiohttp.ClientTimeout]
    body_limits: BodyLimits
    verifier: TokenVerifier
    token_versions: TokenVersions | None
    partner_tokens: PartnerTokens
    api_keys: ApiKeyStore
    limits: Limits
    trusted_proxies: tuple[Network, ...]
    dev_mail_dir: Path | None = None
    openapi: DocumentCache = field(default_factory=DocumentCache)


async def build_context(runtime: Runtime, settings: GatewaySettings, verifier: TokenVerifier) -> Context:
    if settings.environment == "production" and settings.api_key_pepper.startswith("development"):
        raise RuntimeError("API_KEY_PEPPER must be set in production")
    upstreams = settings.upstreams()

    def timeout(read_seconds: float) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=None, sock_connect=settings.upstream_connect_timeout_seconds,
                                     sock_read=read_seconds)

    timeouts = {name: timeout(settings.upstream_timeouts.get(name, settings.upstream_timeout_seconds))
                for name in [*upstreams, "portal"]}
    # Idle connections expire before uvicorn's 5 s keep-alive closes them from the other side, so a
    # pooled connection is never reused just as the service drops it.
    upstream = upstream_session(max_connections=settings.upstream_max_connections,
                                keepalive_seconds=settings.upstream_keepalive_seconds,
                                timeout=timeout(settings.upstream_timeout_seconds))
    key = await load_signing_key(runtime.db, pem=settings.gateway_jwt_private_key,
                                 environment=settings.environment, setting_name="GATEWAY_JWT_PRIVATE_KEY")
    partner_tokens = PartnerTokens(key, issuer=settings.gateway_jwt_issuer, audience=settings.jwt_audience)
    # Our own partner tokens are verified with the key in hand, not over HTTP.
    verifier.trust(KeySource(settings.gateway_jwt_issuer, PARTNER_ROLES, jwks={"keys": [key.public_jwk()]}))
    # One moving window per quota, shared by every replica when counted in MongoDB.
    strategy = MovingWindowRateLimiter(storage_for(settings.rate_limit_storage_kind, runtime.db))
    limits = Limits(
        per_ip=MovingWindowLimit(strategy, settings.rate_limit_per_ip_per_minute, "ip"),
        per_principal=MovingWindowLimit(strategy, settings.rate_limit_per_principal_per_minute, "principal"),
        sensitive_per_ip=MovingWindowLimit(strategy, settings.rate_limit_sensitive_per_ip_per_minute,
                                           "sensitive-ip"),
        sensitive_per_account=MovingWindowLimit(strategy, settings.rate_limit_sensitive_per_account_per_minute,
                                                "sensitive-account"),
        per_token=MovingWindowLimit(strategy, settings.rate_limit_per_token_per_minute, "token"),
    )
    return Context(settings=settings, upstreams=upstreams, upstream=upstream, timeouts=timeouts,
                   body_limits=settings.body_limits(), verifier=verifier, token_versions=runtime.token_versions,
                   partner_tokens=partner_tokens,
                   api_keys=ApiKeyStore(runtime.db, settings.api_key_pepper, settings.api_key_cache_seconds),
                   limits=limits, trusted_proxies=settings.trusted_networks,
                   dev_mail_dir=Path(settings.dev_mail_dir or ".") if settings.dev_mail_enabled else None)


def context_of(runtime: Runtime) -> Context:
    """The context the composition root built."""
    context = runtime.context
    if not isinstance(context, Context):
        raise RuntimeError("the gateway context is not built yet (the app has not started)")
    return context
