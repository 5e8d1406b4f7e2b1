"""E-mail deliveries: an outbox of messages to send, one per (event,
recipient, channel), written with the inbox entries in the event's
transaction and sent by the e-mail sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec
from notifications.adapters.work_queue import PENDING, WorkQueue, queue_indexes

EMAIL_DELIVERIES = "email_deliveries"
SENT, FAILED = "sent", "failed"
STATUSES = (PENDING, "sending", SENT, FAILED)

ERASED = "member erased"

INDEXES = [
    IndexSpec(EMAIL_DELIVERIES, [("member_id", 1)], "email_by_member"),
    # The rule behind "an event delivered twice sends one e-mail".
    IndexSpec(EMAIL_DELIVERIES, [("event_id", 1), ("recipient_key", 1), ("channel", 1)],
              "email_once_per_event_recipient", unique=True),
    IndexSpec(EMAIL_DELIVERIES, [("status", 1), ("created_at", -1), ("_id", -1)], "email_by_status"),
    *queue_indexes(EMAIL_DELIVERIES),
    # Delivery records are an operational log, not an archive (they hold addresses and texts).
    IndexSpec(EMAIL_DELIVERIES, [("created_at", 1)], "email_retention", options={"expireAfterSeconds": 90 * 86400}),
]


class EmailDeliveryRepository(WorkQueue):
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        super().__init__(db[EMAIL_DELIVERIES])
        self._deliveries = db[EMAIL_DELIVERIES]

    async def add_many(self, deliveries: Sequence[dict[str, Any]], session: AsyncClientSession) -> None:
        if deliveries:
            await self._deliveries.insert_many(list(deliveries), session=session)

    async def get(self, delivery_id: str) -> dict[str, Any] | None:
        return await self._deliveries.find_one({"_id": delivery_id})

    async def list_page(self, *, status: str | None, limit: int,
                   before: tuple[datetime, str] | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if status is not None:
            query["status"] = status
        if before is not None:
            created_at, delivery_id = before
            query["$or"] = [{"created_at": {"$lt": created_at}},
                            {"created_at": created_at, "_id": {"$lt": delivery_id}}]
        cursor = self._deliveries.find(query, {"text": 0, "html": 0, "attachments.content": 0})
        return [doc async for doc in cursor.sort([("created_at", -1), ("_id", -1)]).limit(limit)]

    async def requeue_failed(self, delivery_id: str, now: datetime) -> dict[str, Any] | None:
        """Give a parked e-mail a fresh set of attempts (after the cause was fixed)."""
        return await self._deliveries.find_one_and_update(
            {"_id": delivery_id, "status": FAILED},
            {"$set": {"status": PENDING, "attempts": 0, "next_attempt_at": now, "updated_at": now},
             "$unset": {"failed_at": ""}, "$inc": {"retries": 1}},
            projection={"text": 0, "html": 0, "attachments.content": 0},
            return_document=ReturnDocument.AFTER,
        )

    async def scrub_member(self, member_id: str, now: datetime) -> None:
        """Erasure: keep that deliveries happened, drop who and what they said;
        e-mails not yet sent are not sent."""
        await self._deliveries.update_many(
            {"member_id": member_id, "status": {"$in": [PENDING, "sending"]}},
            {"$set": {"status": FAILED, "last_error": ERASED, "failed_at": now}},
        )
        await self._deliveries.update_many(
            {"member_id": member_id},
            {"$set": {"to_address": None, "to_name": None, "subject": "", "text": "", "html": "", "attachments": [],
                      "updated_at": now}},
        )
