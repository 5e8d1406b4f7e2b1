"""Dependencies shared by the routers: the use-case context, who is calling, cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from coop_shared.auth.dependencies import require_role
from coop_shared.auth.principal import Principal, Role
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor
from governance.service_layer.context import Context, context_of


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


ContextDep = Annotated[Context, Depends(get_context)]

# Governance is for people: members vote, admins run assemblies. Partner API
# keys have no business here.
PersonPrincipal = Annotated[Principal, Depends(require_role(Role.MEMBER, Role.ADVISOR, Role.ADMIN))]
AdminOnly = Annotated[Principal, Depends(require_role(Role.ADMIN))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="Replays of the same request return the first answer.")]


def position(cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a page starts after; 400 for a cursor we did not issue."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value["t"])), str(value["id"])
    except (KeyError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor") from exc


def next_cursor(items: list[Any], limit: int, at: str) -> str | None:
    """Cursor after the last item of a full page (``at``: the item's sort-time field)."""
    if len(items) < limit:
        return None
    last = items[-1]
    return encode_cursor({"t": last[at].isoformat(), "id": last["_id"]})
