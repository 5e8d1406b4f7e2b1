"""Keyset pagination on (a sort field, _id), newest first: pages stay stable
while documents are inserted, and no page costs more than its size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coop_shared.http.errors import ApiError


def keyset(query: dict[str, Any], field: str, cursor: dict[str, Any] | None) -> dict[str, Any]:
    """``query`` restricted to what comes after ``cursor`` ({"t": iso time, "id": ...})."""
    if cursor is None:
        return query
    try:
        at, last_id = datetime.fromisoformat(str(cursor["t"])), str(cursor["id"])
    except (KeyError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor") from exc
    after = {"$or": [{field: {"$lt": at}}, {field: at, "_id": {"$lt": last_id}}]}
    return {"$and": [query, after]} if query else after


def sort_spec(field: str) -> list[tuple[str, int]]:
    return [(field, -1), ("_id", -1)]


def cursor_of(doc: dict[str, Any], field: str) -> dict[str, Any]:
    return {"t": doc[field].isoformat(), "id": doc["_id"]}
