"""Payment batches: the net salaries sent to the bank in one pain.001 file."""

from __future__ import annotations

from datetime import date, datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import Document, IndexSpec

BATCHES = "payment_batches"
OPEN, PAID = "open", "paid"

INDEXES = [
    IndexSpec(BATCHES, [("created_at", -1), ("_id", -1)], "batches_by_time"),
    # The bank refuses a second file with the same message id; so do we.
    IndexSpec(BATCHES, [("message_id", 1)], "batches_message_id_unique", unique=True),
]



class BatchRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._batches = db[BATCHES]

    async def add(self, batch: Document, session: AsyncClientSession) -> None:
        await self._batches.insert_one(batch, session=session)

    async def get(self, batch_id: str, session: AsyncClientSession | None = None) -> Document | None:
        return await self._batches.find_one({"_id": batch_id}, session=session)

    async def mark_paid(self, batch_id: str, paid_on: date, at: datetime, by: str,
                        session: AsyncClientSession) -> bool:
        result = await self._batches.update_one(
            {"_id": batch_id, "status": OPEN},
            {"$set": {"status": PAID, "paid_on": paid_on.isoformat(), "paid_at": at, "paid_by": by}},
            session=session,
        )
        return result.modified_count == 1

    async def page(self, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        query = after_cursor({}, "created_at", cursor)
        page = [doc async for doc in self._batches.find(query, {"payments": 0}).sort(
            sort_spec("created_at")).limit(limit)]
        return page, next_cursor(page, limit, "created_at")
