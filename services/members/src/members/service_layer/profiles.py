"""Profiles and staff actions on members: who sees whom, profile changes,
roles, advisor assignment, arts attestations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.members import AdvisorAssigned, AttestationRecorded, MemberRoleChanged
from members.domain.errors import InvalidInput, NotFound
from members.domain.member import ArtsAttestation, Member, ProfileChanges, Role, can_see_member
from members.service_layer import events
from members.service_layer.context import Context
from members.service_layer.revocation import revoke_access_tokens, revoked


@dataclass(frozen=True)
class Viewer:
    """The caller, as the use cases see it (``role`` None: not a person, e.g. a partner key)."""

    id: str
    role: Role | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_advisor(self) -> bool:
        return self.role is Role.ADVISOR


def _not_found() -> NotFound:
    return NotFound("member_not_found", "No such member.")


async def visible_member(ctx: Context, viewer: Viewer, member_id: str) -> Member:
    """The member if the viewer may see them; 404 otherwise (never 403: the
    answer must not confirm that someone else's id exists)."""
    member = await ctx.members.get(member_id)
    if member is None or viewer.role is None or not can_see_member(viewer.id, viewer.role, member):
        raise _not_found()
    return member


async def active_member(ctx: Context, member_id: str) -> Member:
    member = await ctx.members.get(member_id)
    if member is None or not member.is_active:
        raise _not_found()
    return member


async def list_members(ctx: Context, viewer: Viewer, *, limit: int, cursor: dict[str, Any] | None,
                       role: Role | None = None) -> tuple[list[Member], dict[str, Any] | None]:
    """Admins list everyone; advisors the members assigned to them; others only themselves."""
    if viewer.is_admin:
        return await ctx.members.page(limit=limit, cursor=cursor, role=role)
    if viewer.is_advisor:
        return await ctx.members.page(limit=limit, cursor=cursor, advisor_id=viewer.id, role=role)
    if viewer.role is None or cursor is not None:
        return [], None
    me = await ctx.members.get(viewer.id)
    return ([me] if me is not None and me.is_active and role in (None, me.role) else []), None


async def update_profile(ctx: Context, member_id: str, changes: ProfileChanges) -> tuple[Member, list[str]]:
    member = await active_member(ctx, member_id)
    changed = member.update_profile(changes)
    if changed:
        async def work(session: AsyncClientSession) -> None:
            await ctx.members.save(member, session)
            await ctx.emit([(events.member_updated(member, changed), member.id)], session)

        await ctx.commit(work)
    return member, changed


async def change_role(ctx: Context, admin: Viewer, member_id: str, role: Role) -> Member:
    member = await active_member(ctx, member_id)
    previous = member.change_role(role, by=admin.id)
    if previous is role:
        return member  # PUT of the current value: nothing to store, nothing to announce

    async def work(session: AsyncClientSession) -> None:
        # Powers follow the account at once: tokens that carry the old role stop working.
        await revoke_access_tokens(ctx, member, "role_changed", session)
        await ctx.members.save(member, session)
        event = MemberRoleChanged(member_id=member.id, role=role.value, previous_role=previous.value,
                                  changed_by=admin.id)
        await ctx.emit([(event, member.id)], session)

    await ctx.commit(work)
    revoked(ctx, member)
    return member


async def assign_advisor(ctx: Context, member_id: str, advisor_id: str | None) -> Member:
    member = await active_member(ctx, member_id)
    advisor = None
    if advisor_id is not None:
        advisor = await ctx.members.get(advisor_id)
        if advisor is None:
            raise InvalidInput("invalid_advisor", "No such advisor.", "advisor_id")
    previous = member.assign_advisor(advisor)
    if previous == member.advisor_id:
        return member

    async def work(session: AsyncClientSession) -> None:
        await ctx.members.save(member, session)
        event = AdvisorAssigned(member_id=member.id, advisor_id=member.advisor_id, previous_advisor_id=previous)
        await ctx.emit([(event, member.id)], session)

    await ctx.commit(work)
    return member


async def record_attestation(ctx: Context, member_id: str, attestation: ArtsAttestation) -> Member:
    member = await active_member(ctx, member_id)
    member.record_attestation(attestation)

    async def work(session: AsyncClientSession) -> None:
        await ctx.members.save(member, session)
        event = AttestationRecorded(member_id=member.id, attestation_type=attestation.type.value,
                                    valid_from=attestation.valid_from, valid_to=attestation.valid_to)
        await ctx.emit([(event, member.id)], session)

    await ctx.commit(work)
    return member
