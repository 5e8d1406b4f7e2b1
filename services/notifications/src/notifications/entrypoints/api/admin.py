"""Operators' view of e-mail deliveries (parked failures first of all)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import Page, PageParams, page_params
from coop_shared.persistence.keyset import cursor_at, position
from notifications.entrypoints.api.deps import ContextDep

router = APIRouter(prefix="/api/v1/admin/email-deliveries", tags=["admin"])

Status = Literal["pending", "sending", "sent", "failed"]


class EmailDeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    kind: str
    member_id: str | None = None
    to_address: str | None = None
    language: str
    subject: str
    status: Status
    attempts: int
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    failed_at: datetime | None = None


def _out(doc: dict[str, Any]) -> EmailDeliveryOut:
    return EmailDeliveryOut(id=doc["_id"], event_id=doc["event_id"], event_type=doc["event_type"],
                            kind=doc.get("kind", ""), member_id=doc.get("member_id"), to_address=doc.get("to_address"),
                            language=doc.get("language", ""), subject=doc.get("subject", ""), status=doc["status"],
                            attempts=doc.get("attempts", 0), last_error=doc.get("last_error"),
                            created_at=doc["created_at"], sent_at=doc.get("sent_at"), failed_at=doc.get("failed_at"))


@router.get("", response_model=Page[EmailDeliveryOut], summary="E-mail deliveries, newest first (admin)")
async def list_deliveries(ctx: ContextDep, _: AdminPrincipal, page: Annotated[PageParams, Depends(page_params)],
                          status: Annotated[Status | None, Query()] = None) -> Page[EmailDeliveryOut]:
    docs = await ctx.emails.list_page(status=status, limit=page.limit + 1, before=position(page.cursor))
    items = [_out(d) for d in docs[: page.limit]]
    more = len(docs) > page.limit
    return Page(items=items, next_cursor=cursor_at(items[-1].created_at, items[-1].id) if more else None)


@router.post("/{delivery_id}/retry", response_model=EmailDeliveryOut,
             summary="Send a parked e-mail again, with a fresh set of attempts (admin)")
async def retry(ctx: ContextDep, _: AdminPrincipal,
                delivery_id: Annotated[str, Path(min_length=1, max_length=64)]) -> EmailDeliveryOut:
    doc = await ctx.emails.requeue_failed(delivery_id, ctx.clock.now())
    if doc is None:
        if await ctx.emails.get(delivery_id) is None:
            raise ApiError(404, "not_found", "No such e-mail delivery.")
        raise ApiError(409, "not_failed", "Only a failed (parked) delivery can be retried.")
    ctx.email_wakeup.set()
    return _out(doc)
