"""Access tokens: short-lived JWTs signed with an asymmetric key (RS256) and a
``kid``; the public keys are published as a JWKS.

Verification pins the algorithm list, so ``alg: none`` and HS256-with-the-
public-key confusion are refused, and requires exp, iat, sub, aud and iss.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from coop_shared.auth.principal import Principal, Role

ALGORITHM = "RS256"
DEFAULT_AUDIENCE = "coop-platform"
DEFAULT_ISSUER = "coop-members"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by a key we trust."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex[:16], private_key=rsa.generate_private_key(public_exponent=65537,
                                                                                    key_size=2048))

    @classmethod
    def from_pem(cls, pem: str, kid: str | None = None) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("JWT_PRIVATE_KEY must be an RSA private key")
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(kid=kid or hashlib.sha256(public).hexdigest()[:16], private_key=key)

    def to_pem(self) -> str:
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return jwk


def issue_access_token(key: SigningKey, *, subject: str, role: Role, ttl_seconds: int = 900,
                       scopes: frozenset[str] = frozenset(), language: str = "fr",
                       audience: str = DEFAULT_AUDIENCE, issuer: str = DEFAULT_ISSUER,
                       token_version: int | None = None, extra: Mapping[str, Any] | None = None) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject, "role": role.value, "iat": now, "nbf": now, "exp": now + ttl_seconds,
        "aud": audience, "iss": issuer, "jti": uuid.uuid4().hex, "lang": language,
    }
    if token_version is not None:
        claims["token_version"] = token_version
    if scopes:
        claims["scope"] = " ".join(sorted(scopes))
    if extra:
        claims.update(extra)
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        role = Role(claims.get("role", "member"))
    except ValueError as exc:
        raise InvalidToken("unknown role") from exc
    scopes = frozenset(str(claims.get("scope", "")).split()) - {""}
    version = claims.get("token_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise InvalidToken("malformed token_version")
    bound = claims.get("activities")
    if bound is not None and (not isinstance(bound, list) or not all(isinstance(a, str) for a in bound)):
        raise InvalidToken("malformed activities")
    return Principal(id=str(claims["sub"]), role=role, scopes=scopes, language=str(claims.get("lang", "fr")),
                     token_version=version, activities=None if bound is None else frozenset(bound))


@dataclass
class KeySource:
    """Where one issuer's public keys come from, and which roles it may grant:
    people's tokens come from the members service, partners' from the gateway."""

    issuer: str
    roles: frozenset[Role]
    jwks_url: str | None = None
    jwks: Mapping[str, Any] | None = None
    keys: dict[str, Any] = field(default_factory=dict)
    fetched_at: float = 0.0

    def load(self, jwks: Mapping[str, Any]) -> None:
        self.keys = {jwk["kid"]: RSAAlgorithm.from_jwk(jwk) for jwk in jwks.get("keys", [])
                     if jwk.get("kty") == "RSA" and jwk.get("kid")}


PEOPLE_ROLES = frozenset({Role.MEMBER, Role.ADVISOR, Role.ADMIN})
PARTNER_ROLES = frozenset({Role.PARTNER})


class TokenVerifier:
    """Verifies tokens against JWKS key sets: given directly (the issuing
    service itself, tests) or fetched from a URL, cached, and fetched again
    when a token names a ``kid`` no source knows (key rotation), at most every
    ``min_refresh_seconds`` per source."""

    def __init__(self, *, jwks_url: str | None = None, jwks: Mapping[str, Any] | None = None,
                 audience: str = DEFAULT_AUDIENCE, issuer: str = DEFAULT_ISSUER,
                 extra_sources: list[KeySource] | None = None, leeway_seconds: int = 10,
                 min_refresh_seconds: float = 30.0) -> None:
        self._sources = [KeySource(issuer, PEOPLE_ROLES, jwks_url=jwks_url, jwks=jwks), *(extra_sources or [])]
        for source in self._sources:
            if source.jwks is not None:
                source.load(source.jwks)
        self._audience = audience
        self._leeway = leeway_seconds
        self._min_refresh = min_refresh_seconds
        self._lock = asyncio.Lock()
        # Verified tokens, until they expire: a client sends the same token many
        # times, and an RSA verification per request is wasted work.
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._cache_size = 10_000

    def trust(self, source: KeySource) -> None:
        """Add an issuer's keys, replacing what was known of that issuer."""
        if source.jwks is not None:
            source.load(source.jwks)
        self._sources = [s for s in self._sources if s.issuer != source.issuer] + [source]

    def _find(self, kid: str) -> tuple[KeySource, Any] | None:
        for source in self._sources:
            if kid in source.keys:
                return source, source.keys[kid]
        return None

    def _due(self) -> list[KeySource]:
        return [s for s in self._sources
                if s.jwks_url is not None and time.monotonic() - s.fetched_at >= self._min_refresh]

    async def _refresh(self) -> None:
        # No client (and no TLS context, costly) unless a source is due.
        if not self._due():
            return
        async with self._lock, httpx.AsyncClient(timeout=3.0) as client:
            for source in self._due():
                source.fetched_at = time.monotonic()
                url = source.jwks_url
                assert url is not None  # _due() keeps only sources with a URL
                try:
                    response = await client.get(url)
                    response.raise_for_status()
                    source.load(response.json())
                except (httpx.HTTPError, ValueError):
                    continue  # that issuer is unreachable: its tokens fail, others still verify

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if cached[0] > time.time():
                self._verified.move_to_end(token)
                return cached[1]
            del self._verified[token]
        principal, expires = await self._verify(token)
        self._verified[token] = (expires, principal)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected signing algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        found = self._find(kid)
        if found is None:
            await self._refresh()
            found = self._find(kid)
        if found is None:
            raise InvalidToken("unknown signing key")
        source, key = found
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self._audience,
                                issuer=source.issuer, leeway=self._leeway,
                                options={"require": ["exp", "iat", "sub", "aud", "iss"]})
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        principal = principal_from_claims(claims)
        if principal.role not in source.roles:
            raise InvalidToken(f"issuer {source.issuer} may not grant role {principal.role}")
        return principal, float(claims["exp"])
