"""Deciding, before forwarding, whether a request may pass: credentials,
scopes and rate limits. Returns the Authorization header to forward."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from coop_shared.auth.principal import Principal
from coop_shared.auth.tokens import InvalidToken, TokenVerifier
from coop_shared.http.errors import ApiError
from gateway.adapters.api_keys import ApiKeyStore
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.domain.access import is_public, is_sensitive, scope_allows
from gateway.domain.rate_limit import SlidingWindowLimiter


@dataclass
class Limits:
    per_ip: SlidingWindowLimiter
    per_principal: SlidingWindowLimiter
    sensitive_per_ip: SlidingWindowLimiter


@dataclass(frozen=True)
class Admission:
    authorization: str | None
    principal: Principal | None


def _limit(limiter: SlidingWindowLimiter, key: str) -> None:
    decision = limiter.hit(key)
    if not decision.allowed:
        raise ApiError(429, "rate_limited", "Too many requests; slow down.",
                       headers={"Retry-After": str(decision.retry_after)})


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "apikey" and value:
        return value.strip()
    return request.headers.get("x-api-key")


async def admit(request: Request, path: str, *, limits: Limits, verifier: TokenVerifier,
                keys: ApiKeyStore, partner_tokens: PartnerTokens) -> Admission:
    method = request.method
    client_ip = request.client.host if request.client else "unknown"
    _limit(limits.per_ip, client_ip)
    if is_sensitive(method, path):
        _limit(limits.sensitive_per_ip, client_ip)

    api_key = _api_key(request)
    if api_key is not None:
        record = await keys.verify(api_key)
        if record is None or record.revoked:
            raise ApiError(401, "invalid_api_key", "The API key is invalid or revoked.")
        _limit(limits.per_principal, f"key:{record.id}")
        if not scope_allows(record.scopes, method, path):
            raise ApiError(403, "insufficient_scope", "This API key's scopes do not cover this route.")
        return Admission(f"Bearer {partner_tokens.token_for(record)}", None)

    header = request.headers.get("authorization")
    if is_public(method, path) and not header:
        return Admission(None, None)
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "A bearer access token or an API key is required.",
                       headers={"WWW-Authenticate": "Bearer"})
    try:
        principal = await verifier.verify(token.strip())
    except InvalidToken as exc:
        raise ApiError(401, "invalid_token", "The access token is invalid or expired.",
                       headers={"WWW-Authenticate": "Bearer"}) from exc
    _limit(limits.per_principal, f"principal:{principal.id}")
    return Admission(header, principal)
