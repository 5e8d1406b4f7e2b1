"""/api/v1/auth: registration, login, token refresh, logout, password change, JWKS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Response

from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from members.domain.identity import Address
from members.entrypoints.api import presenters, schemas
from members.entrypoints.api.deps import Ctx, CurrentViewer
from members.service_layer import accounts
from members.service_layer.context import Context
from members.service_layer.profiles import Viewer

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

_AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Wrong credentials (one answer for an unknown e-mail and a wrong password)"},
    429: {"description": "Too many failed attempts for this account; see Retry-After"},
}


def _tokens(pair: accounts.TokenPair) -> schemas.TokenResponse:
    return schemas.TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token,
                                 expires_in=pair.expires_in)


def _no_store(response: Response) -> None:
    # Tokens must not linger in caches (RFC 6749 §5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _register_fingerprint(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The idempotency store must not hold a fast hash of the password: the
    fingerprint carries an HMAC of it under a server secret instead, so a
    replay with another password is a 422, not the first answer."""
    body: schemas.RegisterRequest = arguments["body"]
    ctx: Context = arguments["ctx"]
    return {**body.model_dump(exclude={"password"}), "password": ctx.password_fingerprint(body.password)}


@router.post("/register", status_code=201, response_model=schemas.MemberProfile,
             summary="Open a member account",
             responses={409: {"description": "E-mail already registered"},
                        422: {"description": "Invalid input (e-mail, IBAN, NISS, password...), naming the field"}})
@idempotent_route("auth:register", fingerprint=_register_fingerprint)
async def register(body: schemas.RegisterRequest, ctx: Ctx) -> schemas.MemberProfile:
    address = Address.create(body.address.street, body.address.postal_code, body.address.city,
                             body.address.country)
    command = accounts.RegisterMember(email=str(body.email), password=body.password, full_name=body.full_name,
                                      language=body.language, address=address, iban=body.iban, niss=body.niss)
    member = await accounts.register(ctx, command)
    return presenters.member_profile(member, Viewer(id=member.id, role=member.role), ctx.today())


@router.post("/login", response_model=schemas.TokenResponse, summary="Log in with e-mail and password",
             responses=_AUTH_ERRORS)  # type: ignore[arg-type]
async def login(body: schemas.LoginRequest, ctx: Ctx, response: Response) -> schemas.TokenResponse:
    # Not idempotent by design: each login is a new session, and storing its
    # answer for replays would keep a refresh token at rest in clear.
    pair = await accounts.login(ctx, body.email, body.password)
    _no_store(response)
    return _tokens(pair)


@router.post("/refresh", response_model=schemas.TokenResponse, summary="Exchange a refresh token for a new pair",
             responses={401: {"description": "Invalid, expired or reused refresh token (reuse revokes its family)"}})
async def refresh(body: schemas.RefreshRequest, ctx: Ctx, response: Response) -> schemas.TokenResponse:
    pair = await accounts.refresh(ctx, body.refresh_token)
    _no_store(response)
    return _tokens(pair)


@router.post("/logout", status_code=204, summary="End the session of a refresh token")
async def logout(body: schemas.RefreshRequest, ctx: Ctx) -> Response:
    # Naturally idempotent: a second logout finds the family already revoked.
    await accounts.logout(ctx, body.refresh_token)
    return Response(status_code=204)


@router.post("/password", response_model=schemas.PasswordChanged, summary="Change one's password",
             responses={422: {"description": "Wrong current password, or a weak new one"},
                        429: {"description": "Too many failed attempts"}})
@idempotent_route("auth:password:{viewer.id}", fingerprint=no_fingerprint)
async def change_password(body: schemas.PasswordChangeRequest, ctx: Ctx,
                          viewer: CurrentViewer) -> schemas.PasswordChanged:
    revoked = await accounts.change_password(ctx, viewer.id, body.current_password, body.new_password)
    return schemas.PasswordChanged(sessions_revoked=revoked)


@router.post("/logout-all", response_model=schemas.LoggedOutEverywhere,
             summary="End every session and revoke every access token of the caller")
async def logout_all(ctx: Ctx, viewer: CurrentViewer) -> schemas.LoggedOutEverywhere:
    # Safe to repeat: a replay needs a valid token, which the first call revoked.
    return schemas.LoggedOutEverywhere(sessions_revoked=await accounts.logout_everywhere(ctx, viewer.id))


@router.get("/jwks", response_model=schemas.Jwks, summary="Public keys that verify access tokens (RFC 7517)")
async def jwks(ctx: Ctx, response: Response) -> schemas.Jwks:
    response.headers["Cache-Control"] = "public, max-age=300"
    return schemas.Jwks(keys=[ctx.signing_key.public_jwk()])
