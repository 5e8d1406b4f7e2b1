"""The in-app inbox in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec

INBOX = "inbox"

INDEXES = [
    IndexSpec(INBOX, [("recipient_id", 1), ("created_at", -1), ("_id", -1)], "inbox_by_recipient"),
    IndexSpec(INBOX, [("recipient_id", 1), ("read_at", 1)], "inbox_unread"),
    # One entry per (event, recipient), whatever the number of deliveries.
    IndexSpec(INBOX, [("event_id", 1), ("recipient_id", 1)], "inbox_event_recipient_unique", unique=True),
]


class InboxRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._inbox = db[INBOX]

    async def add_many(self, entries: Sequence[dict[str, Any]], session: AsyncClientSession) -> None:
        if entries:
            await self._inbox.insert_many(list(entries), session=session)

    async def list_for(self, recipient_id: str, *, limit: int, before: tuple[datetime, str] | None,
                       unread_only: bool) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"recipient_id": recipient_id}
        if unread_only:
            query["read_at"] = None
        if before is not None:
            created_at, entry_id = before
            query["$or"] = [{"created_at": {"$lt": created_at}},
                            {"created_at": created_at, "_id": {"$lt": entry_id}}]
        cursor = self._inbox.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]

    async def unread_for_digest(self, recipient_id: str, after: datetime | None, until: datetime,
                                limit: int = 50) -> list[dict[str, Any]]:
        """Unread, non-critical entries created in (after, until], oldest first."""
        created: dict[str, Any] = {"$lte": until}
        if after is not None:
            created["$gt"] = after
        cursor = self._inbox.find({"recipient_id": recipient_id, "read_at": None, "critical": False,
                                   "created_at": created}).sort([("created_at", 1), ("_id", 1)]).limit(limit)
        return [doc async for doc in cursor]

    async def unread_count(self, recipient_id: str) -> int:
        return await self._inbox.count_documents({"recipient_id": recipient_id, "read_at": None})

    async def mark_read(self, entry_id: str, recipient_id: str, now: datetime) -> dict[str, Any] | None:
        """Mark one entry read (keeping the first read time); None when it is
        not the recipient's, so callers answer 404 without revealing it exists."""
        updated = await self._inbox.find_one_and_update(
            {"_id": entry_id, "recipient_id": recipient_id, "read_at": None},
            {"$set": {"read_at": now}}, return_document=ReturnDocument.AFTER,
        )
        if updated is not None:
            return updated
        return await self._inbox.find_one({"_id": entry_id, "recipient_id": recipient_id})

    async def mark_all_read(self, recipient_id: str, now: datetime) -> int:
        result = await self._inbox.update_many({"recipient_id": recipient_id, "read_at": None},
                                               {"$set": {"read_at": now}})
        return result.modified_count

    async def delete_for(self, recipient_id: str) -> int:
        result = await self._inbox.delete_many({"recipient_id": recipient_id})
        return result.deleted_count
