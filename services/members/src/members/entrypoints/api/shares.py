"""/api/v1/shares: my share register entries, subscribing, resigning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page, decode_cursor, encode_cursor
from members.entrypoints.api import presenters, schemas
from members.entrypoints.api.deps import Ctx, CurrentViewer, Paging
from members.service_layer import shares

router = APIRouter(prefix="/api/v1/shares", tags=["shares"])

EntryId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("", status_code=201, response_model=schemas.ShareEntry, summary="Subscribe to shares",
             description="Appends a subscription to the register; the shares count once an admin confirms "
                         "the payment of their nominal value (EUR 30 each by default).")
@idempotent_route("shares:subscribe:{viewer.id}")
async def subscribe(body: schemas.SubscribeRequest, ctx: Ctx, viewer: CurrentViewer) -> schemas.ShareEntry:
    entry = await shares.subscribe(ctx, viewer.id, body.category, body.quantity)
    return presenters.share_entry(entry, set())


@router.get("", response_model=Page[schemas.ShareEntry], summary="My share register entries, newest first")
async def my_entries(ctx: Ctx, viewer: CurrentViewer, page: Paging) -> Page[schemas.ShareEntry]:
    found, after = await shares.entries_page(ctx, limit=page.limit, cursor=decode_cursor(page.cursor),
                                             member_id=viewer.id)
    settled = await shares.settled(ctx, found)
    return Page(items=[presenters.share_entry(e, settled) for e in found],
                next_cursor=encode_cursor(after) if after else None)


@router.post("/resignations", status_code=201, response_model=schemas.ShareEntry, summary="Resign shares",
             description="Gives back fully paid shares; their nominal value is refunded by `refund_due_on` "
                         "(within 3 years at most). Good standing may be lost.",
             responses={409: {"description": "Not that many fully paid shares"}})
@idempotent_route("shares:resign:{viewer.id}")
async def resign(body: schemas.ResignRequest, ctx: Ctx, viewer: CurrentViewer) -> schemas.ShareEntry:
    entry = await shares.resign(ctx, viewer.id, body.category, body.quantity)
    return presenters.share_entry(entry, set())


@router.get("/{entry_id}", response_model=schemas.ShareEntry, summary="One of my register entries",
            responses={404: {"description": "Unknown, or not yours to see"}})
async def get_entry(entry_id: EntryId, ctx: Ctx, viewer: CurrentViewer) -> schemas.ShareEntry:
    entry = await shares.visible_entry(ctx, viewer, entry_id)
    return presenters.share_entry(entry, await shares.settled(ctx, [entry]))
