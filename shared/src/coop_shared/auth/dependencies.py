"""FastAPI dependencies: every service checks the token itself (the gateway
checking it too is defence in depth, not the only wall)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.principal import Principal, Role
from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import InvalidToken, TokenVerifier
from coop_shared.http.errors import ApiError

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "A bearer access token is required.", headers=_CHALLENGE)
    try:
        principal = await _verifier(request).verify(token.strip())
    except InvalidToken as exc:
        raise ApiError(401, "invalid_token", "The access token is invalid or expired.",
                       headers=_CHALLENGE) from exc
    versions: TokenVersions | None = getattr(request.app.state, "token_versions", None)
    if versions is not None and not versions.accepts(principal):
        raise ApiError(401, "token_revoked", "This access token was revoked; log in again.", headers=_CHALLENGE)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", "This operation needs another role.")
        return principal

    return check


def require_scope(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role is Role.PARTNER and not principal.has_scope(scope):
            raise ApiError(403, "insufficient_scope", f"This API key lacks the scope {scope!r}.")
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(require_role(Role.ADMIN))]
StaffPrincipal = Annotated[Principal, Depends(require_role(Role.ADVISOR, Role.ADMIN))]
# A person with an account (member, advisor, admin): partner API keys are not people.
PersonPrincipal = Annotated[Principal, Depends(require_role(Role.MEMBER, Role.ADVISOR, Role.ADMIN))]
