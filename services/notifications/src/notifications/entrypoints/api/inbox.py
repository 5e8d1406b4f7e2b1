"""The in-app inbox of the authenticated person."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import Page, PageParams, page_params
from coop_shared.persistence.keyset import cursor_at, position
from notifications.entrypoints.api.deps import ContextDep

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])

EntryId = Annotated[str, Path(min_length=1, max_length=64)]


class InboxEntry(BaseModel):
    id: str
    kind: str = Field(examples=["member.welcome"])
    event_type: str = Field(examples=["members.member.registered.v1"])
    title: str
    body: str
    critical: bool = Field(description="Shown whatever the preferences (payslips, legal notices).")
    link: str | None = Field(default=None, description="The portal page the entry is about.",
                             examples=["https://coop.example/app/invoices/7f3c…"])
    created_at: datetime
    read_at: datetime | None = None


class UnreadCount(BaseModel):
    unread: int


class Marked(BaseModel):
    marked: int


def _entry(doc: dict[str, Any]) -> InboxEntry:
    return InboxEntry(id=doc["_id"], kind=doc.get("kind", ""), event_type=doc["event_type"], title=doc["title"],
                      body=doc["body"], critical=bool(doc.get("critical", False)), created_at=doc["created_at"],
                      link=doc.get("link"), read_at=doc.get("read_at"))


@router.get("", response_model=Page[InboxEntry], summary="My notifications, newest first")
async def list_inbox(ctx: ContextDep, principal: PersonPrincipal,
                     page: Annotated[PageParams, Depends(page_params)],
                     unread: Annotated[bool, Query(description="Only the unread ones.")] = False) -> Page[InboxEntry]:
    docs = await ctx.inbox.list_for(principal.id, limit=page.limit + 1, before=position(page.cursor),
                                    unread_only=unread)
    items = [_entry(d) for d in docs[: page.limit]]
    more = len(docs) > page.limit
    return Page(items=items, next_cursor=cursor_at(items[-1].created_at, items[-1].id) if more else None)


@router.get("/unread-count", response_model=UnreadCount, summary="How many of my notifications are unread")
async def unread_count(ctx: ContextDep, principal: PersonPrincipal) -> UnreadCount:
    return UnreadCount(unread=await ctx.inbox.unread_count(principal.id))


@router.post("/read-all", response_model=Marked, summary="Mark all my notifications read")
async def read_all(ctx: ContextDep, principal: PersonPrincipal) -> Marked:
    return Marked(marked=await ctx.inbox.mark_all_read(principal.id, ctx.clock.now()))


@router.post("/{entry_id}/read", response_model=InboxEntry, summary="Mark one of my notifications read",
             responses={404: {"description": "No such entry in my inbox"}})
async def read_one(ctx: ContextDep, principal: PersonPrincipal, entry_id: EntryId) -> InboxEntry:
    doc = await ctx.inbox.mark_read(entry_id, principal.id, ctx.clock.now())
    if doc is None:
        # Someone else's entry looks exactly like a missing one.
        raise ApiError(404, "not_found", "No such inbox entry.")
    return _entry(doc)
