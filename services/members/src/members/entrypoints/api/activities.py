"""/api/v1/activities: production units run by members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page, decode_cursor, encode_cursor
from members.domain.activities import ActivityStatus
from members.entrypoints.api import presenters, schemas
from members.entrypoints.api.deps import Ctx, CurrentViewer, Paging
from members.service_layer import activities

router = APIRouter(prefix="/api/v1/activities", tags=["activities"])

ActivityId = Annotated[str, Path(min_length=1, max_length=64)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"description": "Unknown, or not yours to see"}}


@router.post("", status_code=201, response_model=schemas.ActivityView, summary="Open an activity",
             responses={409: {"description": "`membership_not_in_good_standing`: no fully paid share for "
                                             "this year of use"}})
@idempotent_route("activities:open:{viewer.id}")
async def open_activity(body: schemas.ActivityCreate, ctx: Ctx, viewer: CurrentViewer) -> schemas.ActivityView:
    command = activities.OpenActivity(name=body.name, sector=body.sector, kind=body.kind,
                                      co_manager_ids=tuple(body.co_manager_ids),
                                      budget_manager_id=body.budget_manager_id)
    return presenters.activity(await activities.open_activity(ctx, viewer, command))


@router.get("", response_model=Page[schemas.ActivityView], summary="Activities I run or support",
            description="Members: those they own or co-manage; advisors: those of the members they support; "
                        "admins: all.")
async def list_activities(ctx: Ctx, viewer: CurrentViewer, page: Paging,
                          status: Annotated[ActivityStatus | None, Query()] = None) -> Page[schemas.ActivityView]:
    found, after = await activities.list_activities(ctx, viewer, limit=page.limit,
                                                    cursor=decode_cursor(page.cursor), status=status)
    return Page(items=[presenters.activity(a) for a in found], next_cursor=encode_cursor(after) if after else None)


@router.get("/{activity_id}", response_model=schemas.ActivityView, responses=_NOT_FOUND)
async def get_activity(activity_id: ActivityId, ctx: Ctx, viewer: CurrentViewer) -> schemas.ActivityView:
    return presenters.activity(await activities.visible_activity(ctx, viewer, activity_id))


@router.patch("/{activity_id}", response_model=schemas.ActivityView, summary="Rename, suspend, reopen, close...",
              responses={**_NOT_FOUND, 409: {"description": "Closed activity, or a transition that does not exist"}})
@idempotent_route("activities:change:{viewer.id}:{activity_id}",
                  fingerprint=lambda arguments: arguments["body"].model_dump(exclude_unset=True))
async def change_activity(activity_id: ActivityId, body: schemas.ActivityUpdate, ctx: Ctx,
                          viewer: CurrentViewer) -> schemas.ActivityView:
    command = activities.ChangeActivity(
        name=body.name, sector=body.sector, kind=body.kind,
        co_manager_ids=None if body.co_manager_ids is None else tuple(body.co_manager_ids),
        budget_manager_id=body.budget_manager_id, budget_manager_given="budget_manager_id" in body.model_fields_set,
        status=body.status)
    return presenters.activity(await activities.change_activity(ctx, viewer, activity_id, command))
