"""Activity use cases: open (members in good standing only), change, list, read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.messaging.envelope import EventPayload
from members.domain.activities import Activity, ActivityKind, ActivityStatus, Sector
from members.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from members.domain.member import Member
from members.domain.shares import ShareAccount
from members.service_layer import events
from members.service_layer.context import Context
from members.service_layer.profiles import Viewer, active_member


@dataclass(frozen=True)
class OpenActivity:
    name: str
    sector: Sector
    kind: ActivityKind = ActivityKind.INDIVIDUAL
    co_manager_ids: tuple[str, ...] = ()
    budget_manager_id: str | None = None


@dataclass(frozen=True)
class ChangeActivity:
    """Fields left to None are not changed (``budget_manager_given`` tells an
    explicit null from an absent field)."""

    name: str | None = None
    sector: Sector | None = None
    kind: ActivityKind | None = None
    co_manager_ids: tuple[str, ...] | None = None
    budget_manager_id: str | None = None
    budget_manager_given: bool = False
    status: ActivityStatus | None = None


def not_in_good_standing() -> Conflict:
    return Conflict("membership_not_in_good_standing",
                    "Opening an activity needs a membership in good standing: at least one fully paid share per "
                    "year of use. Subscribe to a share and wait for the payment to be confirmed.")


async def _require_good_standing(ctx: Context, member: Member,
                                 session: AsyncClientSession | None) -> ShareAccount:
    account = ShareAccount.of(member.id, await ctx.register.of_member(member.id, session))
    # The year of use that opening would start counts as well.
    if not account.in_good_standing(member.usage_started_on or ctx.today(), ctx.today()):
        raise not_in_good_standing()
    return account


async def _check_co_managers(ctx: Context, ids: tuple[str, ...]) -> None:
    missing = set(ids) - await ctx.members.active_ids(ids)
    if missing:
        raise InvalidInput("unknown_member", "Every co-manager must be an active member.", "co_manager_ids")


async def open_activity(ctx: Context, viewer: Viewer, cmd: OpenActivity) -> Activity:
    owner = await active_member(ctx, viewer.id)
    await _check_co_managers(ctx, cmd.co_manager_ids)
    now = ctx.now()
    activity = Activity.open(activity_id=str(uuid.uuid4()), name=cmd.name, sector=cmd.sector, owner_id=owner.id,
                             kind=cmd.kind, co_manager_ids=cmd.co_manager_ids,
                             budget_manager_id=cmd.budget_manager_id, now=now)

    async def work(session: AsyncClientSession) -> None:
        account = await _require_good_standing(ctx, owner, session)
        emitted: list[tuple[EventPayload, str]] = []
        if owner.start_usage(ctx.today()):
            await ctx.members.save(owner, session)  # the first activity starts the first year of use
            emitted.append((events.standing_changed(owner, account, ctx.today()), owner.id))
        await ctx.activities.add(activity, session)
        await ctx.emit([*emitted, (events.activity_opened(activity), activity.id)], session)

    await ctx.commit(work)
    return activity


async def _may_see(ctx: Context, viewer: Viewer, activity: Activity) -> bool:
    if viewer.is_admin or activity.is_visible_to(viewer.id):
        return True
    if viewer.is_advisor:
        supported = set(await ctx.members.ids_advised_by(viewer.id))
        return bool(supported.intersection(activity.managers))
    return False


def _not_found() -> NotFound:
    return NotFound("activity_not_found", "No such activity.")


async def visible_activity(ctx: Context, viewer: Viewer, activity_id: str) -> Activity:
    activity = await ctx.activities.get(activity_id)
    if activity is None or not await _may_see(ctx, viewer, activity):
        raise _not_found()
    return activity


async def change_activity(ctx: Context, viewer: Viewer, activity_id: str, cmd: ChangeActivity) -> Activity:
    activity = await visible_activity(ctx, viewer, activity_id)
    if not (viewer.is_admin or viewer.id == activity.owner_id):
        raise Forbidden("not_activity_owner", "Only the owner (or an admin) changes an activity.")
    if cmd.co_manager_ids is not None:
        await _check_co_managers(ctx, cmd.co_manager_ids)
    changed: list[str] = []
    if cmd.name is not None and activity.rename(cmd.name):
        changed.append("name")
    if cmd.sector is not None and activity.change_sector(cmd.sector):
        changed.append("sector")
    if (cmd.kind is not None or cmd.co_manager_ids is not None or cmd.budget_manager_given) and \
            activity.change_management(kind=cmd.kind, co_manager_ids=cmd.co_manager_ids,
                                       budget_manager_id=cmd.budget_manager_id,
                                       budget_manager_given=cmd.budget_manager_given):
        changed.append("management")
    reopening = cmd.status is ActivityStatus.OPEN and activity.status is ActivityStatus.SUSPENDED
    if cmd.status is not None and activity.move_to(cmd.status, ctx.now()):
        changed.append("status")
    if not changed:
        return activity
    activity.updated_at = ctx.now()

    async def work(session: AsyncClientSession) -> None:
        if reopening:
            await _require_good_standing(ctx, await active_member(ctx, activity.owner_id), session)
        await ctx.activities.save(activity, session)
        if activity.status is ActivityStatus.CLOSED and "status" in changed:
            event: Any = events.activity_closed(activity, activity.closed_at or ctx.now())
        else:
            event = events.activity_updated(activity, changed)
        await ctx.emit([(event, activity.id)], session)

    await ctx.commit(work)
    return activity


async def list_activities(ctx: Context, viewer: Viewer, *, limit: int, cursor: dict[str, Any] | None,
                          status: ActivityStatus | None = None) -> tuple[list[Activity], dict[str, Any] | None]:
    managers: list[str] | None
    if viewer.is_admin:
        managers = None
    elif viewer.is_advisor:
        managers = [viewer.id, *await ctx.members.ids_advised_by(viewer.id)]
    elif viewer.role is None:
        return [], None
    else:
        managers = [viewer.id]
    return await ctx.activities.page(limit=limit, cursor=cursor, manager_ids=managers, status=status)
