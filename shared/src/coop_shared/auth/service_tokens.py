"""Service-to-service tokens: one service calling another's internal API.

A short-lived JWT (HS256) signed with a secret the two services share
(``SERVICE_TOKEN_SECRET``), naming the caller (``iss``/``sub``) and the
service called (``aud``). Internal routes are never on the gateway's
allow-list; this token is their only door. People's and partners' tokens
(RS256, verified by ``coop_shared.auth.tokens``) never open them, and a
service token never opens a public route: the algorithms and audiences differ.
"""

from __future__ import annotations

import time
import uuid

import jwt

SERVICE_ALGORITHM = "HS256"
DEVELOPMENT_SERVICE_SECRET = "development-service-token-secret-change-me"  # refused in production
MIN_SECRET_LENGTH = 32


class InvalidServiceToken(Exception):
    """Missing, malformed, expired, for another service, or from a caller not allowed."""


def issue_service_token(secret: str, *, caller: str, audience: str, ttl_seconds: int = 60) -> str:
    now = int(time.time())
    claims = {"iss": caller, "sub": caller, "aud": audience, "iat": now, "nbf": now, "exp": now + ttl_seconds,
              "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm=SERVICE_ALGORITHM)


def verify_service_token(token: str, secret: str, *, audience: str, callers: frozenset[str]) -> str:
    """The calling service's name, when the token is valid and the caller allowed."""
    try:
        claims = jwt.decode(token, secret, algorithms=[SERVICE_ALGORITHM], audience=audience, leeway=10,
                            options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except jwt.PyJWTError as exc:
        raise InvalidServiceToken(str(exc)) from exc
    caller = str(claims["iss"])
    if caller not in callers:
        raise InvalidServiceToken(f"{caller} may not call this service")
    return caller


def check_secret(secret: str, environment: str) -> None:
    """Production refuses the development secret or a short one."""
    if environment == "production" and (secret == DEVELOPMENT_SERVICE_SECRET or len(secret) < MIN_SECRET_LENGTH):
        raise ValueError(f"SERVICE_TOKEN_SECRET must be set (at least {MIN_SECRET_LENGTH} characters) in production")
