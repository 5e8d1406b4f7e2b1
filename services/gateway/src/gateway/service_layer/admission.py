"""Deciding, before forwarding, whether a request may pass: credentials,
scopes and rate limits. Returns the Authorization header to forward."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from starlette.requests import Request

from coop_shared.auth.principal import Principal
from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import InvalidToken, TokenVerifier
from coop_shared.clock import wall_time
from coop_shared.http.errors import ApiError
from gateway.adapters.api_keys import ApiKeyStore
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.domain.access import is_public, is_sensitive, scope_allows
from gateway.domain.rate_limit import Decision, RateLimiter


@dataclass
class Limits:
    per_ip: RateLimiter
    per_principal: RateLimiter
    sensitive_per_ip: RateLimiter
    sensitive_per_account: RateLimiter | None = None
    per_token: RateLimiter | None = None


@dataclass(frozen=True)
class Admission:
    authorization: str | None
    principal: Principal | None
    api_key_id: str | None = None  # a partner key's request: audited once answered


RATE_LIMIT_STATE = "rate_limit"
API_KEY_STATE = "api_key_id"


async def limit(limiter: RateLimiter, key: str, request: Request | None = None) -> None:
    decision = await limiter.hit(key)
    if request is not None:
        # The tightest quota seen for this request, for the RateLimit headers of the answer.
        shown: tuple[Decision, float] | None = getattr(request.state, RATE_LIMIT_STATE, None)
        if shown is None or decision.remaining < shown[0].remaining or not decision.allowed:
            setattr(request.state, RATE_LIMIT_STATE, (decision, limiter.window_seconds))
    if not decision.allowed:
        raise ApiError(429, "rate_limited", "Too many requests; slow down.",
                       headers={"Retry-After": str(decision.retry_after)})


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "apikey" and value:
        return value.strip()
    return request.headers.get("x-api-key")


def _token_key(secret: str) -> str:
    # Never the credential itself as a key in memory: a digest of it.
    return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


async def _account_of(request: Request) -> str | None:
    """The e-mail a login or registration is for (the body is read once and kept)."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    email = body.get("email") if isinstance(body, dict) else None
    return f"account:{email.strip().lower()}" if isinstance(email, str) and email.strip() else None


async def admit(request: Request, path: str, *, limits: Limits, verifier: TokenVerifier,
                keys: ApiKeyStore, partner_tokens: PartnerTokens,
                versions: TokenVersions | None = None, client_ip: str = "unknown") -> Admission:
    """``client_ip``: resolved against the trusted proxies (coop_shared.http.client_address)."""
    method = request.method
    await limit(limits.per_ip, client_ip, request)
    if is_sensitive(method, path):
        await limit(limits.sensitive_per_ip, client_ip, request)
        if limits.sensitive_per_account is not None:
            account = await _account_of(request)
            if account is not None:  # spraying one account from many addresses
                await limit(limits.sensitive_per_account, account, request)
        public_token = path.rsplit("/", 1)[-1] if path.startswith("/api/v1/public/quotes/") else None
        if public_token and limits.per_token is not None:
            await limit(limits.per_token, _token_key(public_token), request)

    api_key = _api_key(request)
    if api_key is not None:
        record = await keys.verify(api_key)
        if record is None or record.revoked:
            raise ApiError(401, "invalid_api_key", "The API key is invalid or revoked.")
        if record.expired(wall_time()):
            raise ApiError(401, "api_key_expired", "The API key has expired: ask for a new one.")
        # From here on a refusal is the key's own doing: the proxy audits it too.
        setattr(request.state, API_KEY_STATE, record.id)
        await limit(limits.per_principal, f"key:{record.id}", request)
        if limits.per_token is not None:
            await limit(limits.per_token, _token_key(api_key), request)
        if not scope_allows(record.scopes, method, path):
            raise ApiError(403, "insufficient_scope", "This API key's scopes do not cover this route.")
        return Admission(f"Bearer {partner_tokens.token_for(record)}", None, record.id)

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
    # The token cache keeps a principal until exp; the member's current token
    # version (learned from members' events) is checked on every request.
    if versions is not None and not versions.accepts(principal):
        raise ApiError(401, "token_revoked", "This access token was revoked; log in again.",
                       headers={"WWW-Authenticate": "Bearer"})
    await limit(limits.per_principal, f"principal:{principal.id}", request)
    if limits.per_token is not None:
        await limit(limits.per_token, _token_key(token.strip()), request)
    return Admission(header, principal)
