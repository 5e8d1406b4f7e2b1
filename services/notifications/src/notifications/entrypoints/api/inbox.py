"""The in-app inbox over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from coop_shared.http.pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from coop_shared.service import Runtime, get_runtime
from notifications.adapters.inbox_repository import InboxRepository

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])


class InboxEntry(BaseModel):
    id: str
    event_type: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None = None


@router.get("", response_model=Page[InboxEntry])
async def list_inbox(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    page: Annotated[PageParams, Depends(page_params)],
    member_id: Annotated[str, Query(min_length=1, max_length=64,
                                    description="Recipient (until authentication identifies the caller).")],
    unread: bool = False,
) -> Page[InboxEntry]:
    cursor = decode_cursor(page.cursor)
    before = (datetime.fromisoformat(cursor["t"]), str(cursor["id"])) if cursor else None
    docs = await InboxRepository(runtime.db).list_for(member_id, limit=page.limit + 1, before=before,
                                                      unread_only=unread)
    items = [InboxEntry(id=d["_id"], event_type=d["event_type"], title=d["title"], body=d["body"],
                        created_at=d["created_at"], read_at=d.get("read_at")) for d in docs[: page.limit]]
    next_cursor = None
    if len(docs) > page.limit:
        last = items[-1]
        next_cursor = encode_cursor({"t": last.created_at.isoformat(), "id": last.id})
    return Page(items=items, next_cursor=next_cursor)
