"""Records changed since a moment (the query behind ``updated_since``)."""

from __future__ import annotations

from datetime import datetime

from coop_shared.persistence.mongo import Document


def changed_since(query: Document, since: datetime | None, created_field: str = "created_at") -> Document:
    """``query`` narrowed to records changed at or after ``since`` (records written before they carried
    ``updated_at`` count from their creation)."""
    if since is None:
        return query
    changed = {"$or": [{"updated_at": {"$gte": since}},
                       {"updated_at": {"$exists": False}, created_field: {"$gte": since}}]}
    return {"$and": [query, changed]} if query else changed
