"""GDPR: a member's data export (art. 15/20) and erasure (art. 17).

Erasure removes the personal data this service holds and tells the others
(``members.member.erased.v1``) to do their part. What the law requires to be
kept is kept, restricted: the share register (company law: the register of
shareholders) stays, keyed by the member id, and the name and IBAN needed to
identify the holder and refund their shares move into a ``legal_hold`` that
no API reads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.members import MemberErased
from members.domain.activities import ActivityStatus
from members.domain.errors import InvalidInput
from members.service_layer import events
from members.service_layer.accounts import guard_password_attempt
from members.service_layer.context import Context
from members.service_layer.profiles import active_member
from members.service_layer.revocation import revoke_access_tokens, revoked

LEGAL_RETENTION = timedelta(days=10 * 366)


async def export(ctx: Context, member_id: str) -> dict[str, Any]:
    """Everything held about the member, machine-readable. Secrets stay out:
    neither the password hash nor refresh tokens (or their hashes)."""
    member = await active_member(ctx, member_id)
    entries = await ctx.register.of_member(member.id)
    activities = await ctx.activities.involving(member.id)
    return {
        "exported_at": ctx.now(),
        "member": member,
        "share_register": entries,
        "activities": activities,
        "sessions": await ctx.refresh_tokens.sessions_of(member.id),
    }


async def erase(ctx: Context, member_id: str, password: str) -> MemberErased:
    """Erase on the member's own request, confirmed by their password (a
    stolen access token alone must not be able to wipe an account)."""
    member = await active_member(ctx, member_id)
    key = await guard_password_attempt(ctx, member.email or member.id)
    if not await ctx.passwords.verify(await ctx.members.password_hash(member.id), password):
        raise InvalidInput("invalid_current_password", "The password is incorrect.", "password")
    now = ctx.now()
    entries = await ctx.register.of_member(member.id)
    legal_hold = None
    restricted: list[str] = []
    if entries:
        legal_hold = {"full_name": member.full_name, "iban": member.iban, "reason": "share_register",
                      "restricted": True, "retain_until": now + LEGAL_RETENTION}
        restricted.append("share_register")
    owned = [a for a in await ctx.activities.owned_by(member.id) if a.status is not ActivityStatus.CLOSED]
    member.erase(now)
    erased = MemberErased(member_id=member.id, erased_at=now, restricted=restricted)

    async def work(session: AsyncClientSession) -> None:
        await revoke_access_tokens(ctx, member, "erased", session)
        await ctx.members.save(member, session, legal_hold=legal_hold)
        await ctx.members.delete_credentials(member.id, session)
        await ctx.refresh_tokens.delete_member(member.id, session)
        payloads: list[tuple[Any, str]] = []
        for activity in owned:  # nobody runs them any more; their books stay with invoicing/payroll
            activity.move_to(ActivityStatus.CLOSED, now)
            activity.updated_at = now
            await ctx.activities.save(activity, session)
            payloads.append((events.activity_closed(activity, now), activity.id))
        payloads.append((erased, member.id))
        await ctx.emit(payloads, session)

    await ctx.commit(work)
    revoked(ctx, member)
    await ctx.login_attempts.clear(key)
    return erased
