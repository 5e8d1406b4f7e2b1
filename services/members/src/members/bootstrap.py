"""Wiring shared by the HTTP app and the CLI: signing key, context, first admin."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.auth.tokens import SigningKey, TokenVerifier
from coop_shared.service import Runtime
from members.adapters.keys import load_or_create_signing_key
from members.config import MembersSettings
from members.domain.member import Member
from members.service_layer import accounts
from members.service_layer.context import Context


async def signing_key(settings: MembersSettings, db: AsyncDatabase[dict[str, Any]]) -> SigningKey:
    if settings.jwt_private_key is not None:
        return SigningKey.from_pem(settings.jwt_private_key.get_secret_value(), kid=settings.jwt_key_id)
    if settings.environment == "production":  # also refused by the settings; never fall back silently
        raise RuntimeError("JWT_PRIVATE_KEY is required in production")
    return await load_or_create_signing_key(db)


async def build_context(runtime: Runtime, settings: MembersSettings) -> Context:
    return Context.create(runtime, settings, await signing_key(settings, runtime.db))


def own_verifier(ctx: Context) -> TokenVerifier:
    """The members service checks tokens against its own key set: no HTTP
    round trip to itself, and no start-up ordering problem."""
    s = ctx.settings
    return TokenVerifier(jwks={"keys": [ctx.signing_key.public_jwk()]}, audience=s.jwt_audience, issuer=s.jwt_issuer)


async def bootstrap_admin(ctx: Context) -> tuple[Member, bool] | None:
    s = ctx.settings
    if s.bootstrap_admin_email is None or s.bootstrap_admin_password is None:
        return None
    return await accounts.ensure_admin(ctx, s.bootstrap_admin_email, s.bootstrap_admin_password.get_secret_value(),
                                       s.bootstrap_admin_name)
