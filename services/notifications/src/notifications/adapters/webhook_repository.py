"""Partner webhook endpoints and their deliveries in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec
from notifications.adapters.work_queue import PENDING, WorkQueue, queue_indexes

ENDPOINTS = "webhook_endpoints"
DELIVERIES = "webhook_deliveries"
ACTIVE, DELETED = "active", "deleted"
DELIVERED, DEAD_LETTERED, CANCELLED = "delivered", "dead_lettered", "cancelled"
DELIVERY_STATUSES = (PENDING, "sending", DELIVERED, DEAD_LETTERED, CANCELLED)

INDEXES = [
    # One active endpoint per (owner, URL): ``active_key`` is "active" while it
    # is, and the endpoint's own id once deleted (so deleted ones never clash).
    IndexSpec(ENDPOINTS, [("owner_id", 1), ("url", 1), ("active_key", 1)], "endpoint_url_unique", unique=True),
    # A retried registration (same Idempotency-Key) finds the first one.
    IndexSpec(ENDPOINTS, [("owner_id", 1), ("idempotency_key", 1)], "endpoint_idempotency_unique", unique=True),
    IndexSpec(ENDPOINTS, [("owner_id", 1), ("created_at", -1), ("_id", -1)], "endpoints_by_owner"),
    IndexSpec(ENDPOINTS, [("event_types", 1), ("status", 1)], "endpoints_by_event_type"),
    # An event is delivered once per endpoint, whatever the number of its deliveries to us.
    IndexSpec(DELIVERIES, [("endpoint_id", 1), ("event_id", 1)], "webhook_once_per_event", unique=True),
    IndexSpec(DELIVERIES, [("endpoint_id", 1), ("created_at", -1), ("_id", -1)], "deliveries_by_endpoint"),
    *queue_indexes(DELIVERIES),
    # The delivery log (and the event bodies it holds) is kept 30 days.
    IndexSpec(DELIVERIES, [("created_at", 1)], "webhook_delivery_retention",
              options={"expireAfterSeconds": 30 * 86400}),
]


def _page(query: dict[str, Any], before: tuple[datetime, str] | None) -> dict[str, Any]:
    if before is not None:
        created_at, doc_id = before
        query["$or"] = [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": doc_id}}]
    return query


class EndpointRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._endpoints = db[ENDPOINTS]

    async def add(self, endpoint: dict[str, Any]) -> None:
        await self._endpoints.insert_one(endpoint)

    async def get(self, endpoint_id: str) -> dict[str, Any] | None:
        return await self._endpoints.find_one({"_id": endpoint_id})

    async def by_idempotency_key(self, owner_id: str, key: str) -> dict[str, Any] | None:
        return await self._endpoints.find_one({"owner_id": owner_id, "idempotency_key": key})

    async def count_active(self, owner_id: str) -> int:
        return await self._endpoints.count_documents({"owner_id": owner_id, "status": ACTIVE})

    async def list_active(self, owner_id: str | None, *, limit: int,
                   before: tuple[datetime, str] | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"status": ACTIVE}
        if owner_id is not None:
            query["owner_id"] = owner_id
        cursor = self._endpoints.find(_page(query, before)).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]

    async def subscribed_to(self, event_type: str) -> list[dict[str, Any]]:
        return [doc async for doc in self._endpoints.find({"event_types": event_type, "status": ACTIVE,
                                                           "enabled": {"$ne": False}},
                                                          {"_id": 1, "owner_id": 1, "scopes": 1, "activities": 1})]

    async def update(self, endpoint_id: str, changes: dict[str, Any],
                     unset: Sequence[str] = ()) -> dict[str, Any] | None:
        """Change an active endpoint; the unique URL index may refuse (DuplicateKeyError)."""
        update: dict[str, Any] = {"$set": changes}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        return await self._endpoints.find_one_and_update({"_id": endpoint_id, "status": ACTIVE}, update,
                                                         return_document=ReturnDocument.AFTER)

    async def delete(self, endpoint_id: str, now: datetime) -> dict[str, Any] | None:
        return await self._endpoints.find_one_and_update(
            {"_id": endpoint_id, "status": ACTIVE},
            {"$set": {"status": DELETED, "active_key": endpoint_id, "deleted_at": now}},
            return_document=ReturnDocument.AFTER,
        )


class WebhookDeliveryRepository(WorkQueue):
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        super().__init__(db[DELIVERIES])
        self._deliveries = db[DELIVERIES]

    async def add_many(self, deliveries: Sequence[dict[str, Any]], session: AsyncClientSession) -> None:
        if deliveries:
            await self._deliveries.insert_many(list(deliveries), session=session)

    async def list_for_endpoint(self, endpoint_id: str, *, status: str | None, limit: int,
                                before: tuple[datetime, str] | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"endpoint_id": endpoint_id}
        if status is not None:
            query["status"] = status
        cursor = self._deliveries.find(_page(query, before), {"body": 0})
        return [doc async for doc in cursor.sort([("created_at", -1), ("_id", -1)]).limit(limit)]

    async def add(self, delivery: dict[str, Any]) -> None:
        await self._deliveries.insert_one(delivery)

    async def get(self, endpoint_id: str, delivery_id: str) -> dict[str, Any] | None:
        return await self._deliveries.find_one({"_id": delivery_id, "endpoint_id": endpoint_id}, {"body": 0})

    async def redeliver(self, endpoint_id: str, delivery_id: str, now: datetime) -> dict[str, Any] | None:
        """Queue a settled delivery again (same id and body: receivers deduplicate on
        webhook-id); its attempt log is kept, its retry budget starts afresh."""
        return await self._deliveries.find_one_and_update(
            {"_id": delivery_id, "endpoint_id": endpoint_id, "status": {"$in": [DELIVERED, DEAD_LETTERED, CANCELLED]}},
            {"$set": {"status": PENDING, "attempts": 0, "next_attempt_at": now, "updated_at": now,
                      "redelivered_at": now}},
            projection={"body": 0}, return_document=ReturnDocument.AFTER,
        )

    async def cancel_pending(self, endpoint_id: str, now: datetime) -> int:
        result = await self._deliveries.update_many(
            {"endpoint_id": endpoint_id, "status": PENDING},
            {"$set": {"status": CANCELLED, "updated_at": now}},
        )
        return result.modified_count
