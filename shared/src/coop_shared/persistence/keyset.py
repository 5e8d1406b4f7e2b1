"""Keyset pagination on (a time field, _id), newest first unless asked for
oldest first (a journal reads in date order): pages stay stable while
documents are inserted, and no page costs more than its size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor


def _decoded_position(cursor: dict[str, Any]) -> tuple[datetime, str]:
    try:
        return datetime.fromisoformat(str(cursor["t"])), str(cursor["id"])
    except (KeyError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor") from exc


def position(cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a page starts after, from the opaque cursor a client sent;
    400 ``invalid_cursor`` for one this API did not issue."""
    value = decode_cursor(cursor)
    return None if value is None else _decoded_position(value)


def keyset(query: dict[str, Any], field: str, cursor: dict[str, Any] | None, *,
           ascending: bool = False) -> dict[str, Any]:
    """``query`` restricted to what comes after a decoded ``cursor`` ({"t": iso time, "id": ...})."""
    if cursor is None:
        return query
    at, last_id = _decoded_position(cursor)
    beyond = "$gt" if ascending else "$lt"
    after = {"$or": [{field: {beyond: at}}, {field: at, "_id": {beyond: last_id}}]}
    return {"$and": [query, after]} if query else after


def after_cursor(query: dict[str, Any], field: str, cursor: str | None, *,
                 ascending: bool = False) -> dict[str, Any]:
    """Same as :func:`keyset`, from the opaque cursor string a client sent."""
    return keyset(query, field, decode_cursor(cursor), ascending=ascending)


def sort_spec(field: str, *, ascending: bool = False) -> list[tuple[str, int]]:
    direction = 1 if ascending else -1
    return [(field, direction), ("_id", direction)]


def cursor_of(doc: dict[str, Any], field: str) -> dict[str, Any]:
    return {"t": doc[field].isoformat(), "id": doc["_id"]}


def cursor_at(at: datetime, item_id: str) -> str:
    """The cursor of the page that follows the item at (``at``, ``item_id``)."""
    return encode_cursor({"t": at.isoformat(), "id": item_id})


def next_cursor(page: list[dict[str, Any]], limit: int, field: str) -> str | None:
    """A cursor when the page is full (there may be more), else None."""
    if len(page) < limit:
        return None
    return encode_cursor(cursor_of(page[-1], field))
