"""Shared dependencies of the HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.dependencies import CurrentPrincipal, require_role
from coop_shared.auth.principal import Principal, Role
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor
from notifications.service_layer.context import Context, context_of

WEBHOOKS_SCOPE = "webhooks:manage"


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


ContextDep = Annotated[Context, Depends(get_context)]

# People have an inbox and preferences; partners (API keys) do not.
PersonPrincipal = Annotated[Principal, Depends(require_role(Role.MEMBER, Role.ADVISOR, Role.ADMIN))]


async def webhook_manager(principal: CurrentPrincipal) -> Principal:
    if principal.role not in (Role.PARTNER, Role.ADMIN):
        raise ApiError(403, "forbidden", "Webhooks are managed by partners and administrators.")
    if not principal.has_scope(WEBHOOKS_SCOPE):
        raise ApiError(403, "insufficient_scope", f"This API key lacks the scope {WEBHOOKS_SCOPE!r}.")
    return principal


WebhookManager = Annotated[Principal, Depends(webhook_manager)]


def position(cursor: str | None) -> tuple[datetime, str] | None:
    """The (created_at, id) a page starts after; 400 for a cursor we did not issue."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value["t"])), str(value["id"])
    except (KeyError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor") from exc


def next_cursor(created_at: datetime, item_id: str) -> str:
    return encode_cursor({"t": created_at.isoformat(), "id": item_id})
