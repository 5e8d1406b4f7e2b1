"""Ownership checks: what is not yours is "not found" (404), never "forbidden"."""

from __future__ import annotations

from typing import Any

from coop_shared.auth.principal import Principal
from coop_shared.http.errors import ApiError
from coop_shared.service import Runtime
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.domain.access import ViewerRole, can_see_activity, can_see_member_records
from payroll.entrypoints.api.deps import viewer_of


async def member_records_visible(runtime: Runtime, principal: Principal, member_id: str) -> bool:
    viewer = viewer_of(principal)
    if viewer.role is ViewerRole.ADVISOR and viewer.id != member_id:
        member = await DirectoryRepository(runtime.db).member(member_id)
        return can_see_member_records(viewer, member_id, member)
    return can_see_member_records(viewer, member_id, None)


async def require_member_record(runtime: Runtime, principal: Principal, doc: dict[str, Any] | None,
                                code: str, message: str) -> dict[str, Any]:
    """``doc`` if it exists and belongs to someone the caller may see; a 404 otherwise."""
    if doc is None or not await member_records_visible(runtime, principal, doc["member_id"]):
        raise ApiError(404, code, message)
    return doc


async def list_scope(runtime: Runtime, principal: Principal, member_id: str | None) -> str | None:
    """Whose records a list shows: yours by default, anyone's for an admin, a supported member's for an advisor."""
    if member_id is None:
        return None if principal.is_admin else principal.id
    if not await member_records_visible(runtime, principal, member_id):
        raise ApiError(404, "member_not_found", "No such member among those you may see.", field="member_id")
    return member_id


async def require_activity(runtime: Runtime, principal: Principal, activity_id: str) -> None:
    directory = DirectoryRepository(runtime.db)
    activity = await directory.activity(activity_id)
    owner = await directory.member(activity.owner_id) if activity is not None else None
    if not can_see_activity(viewer_of(principal), activity, owner):
        raise ApiError(404, "activity_not_found", "No such activity among the ones you may see.")
