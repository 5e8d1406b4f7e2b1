"""The in-app inbox in MongoDB."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec

INBOX = "inbox"

INDEXES = [
    IndexSpec(INBOX, [("recipient_id", 1), ("created_at", -1), ("_id", -1)], "inbox_by_recipient"),
    # One entry per (event, recipient), whatever the number of deliveries.
    IndexSpec(INBOX, [("event_id", 1), ("recipient_id", 1)], "inbox_event_recipient_unique", unique=True),
]


class InboxRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._inbox = db[INBOX]

    async def add(self, entry: dict[str, Any], session: AsyncClientSession) -> None:
        await self._inbox.insert_one(entry, session=session)

    async def list_for(self, recipient_id: str, *, limit: int, before: tuple[Any, str] | None,
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
