"""Revoking a member's access tokens: bump their token version, keep it in our
own store (this service checks tokens too) and tell every other service."""

from __future__ import annotations

from typing import Literal

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.members import TokenVersionChanged
from members.domain.member import Member
from members.service_layer.context import Context

Reason = Literal["role_changed", "erased", "logout_everywhere", "password_changed"]


async def revoke_access_tokens(ctx: Context, member: Member, reason: Reason, session: AsyncClientSession) -> int:
    """Inside the caller's transaction, before it saves ``member``; once it
    committed, call :func:`revoked` so this process refuses old tokens at once."""
    version = member.revoke_access_tokens()
    await ctx.token_versions.store(member.id, version, session)
    event = TokenVersionChanged(member_id=member.id, token_version=version, reason=reason)
    await ctx.emit([(event, member.id)], session)
    return version


def revoked(ctx: Context, member: Member) -> None:
    ctx.token_versions.learn(member.id, member.token_version)
