"""Deliveries stored as a work queue in MongoDB, shared by e-mails and webhooks.

A sender claims a due item with one atomic update (status ``sending``, a
lease and its own id), so two senders (replicas) never hold the same item. An
item whose lease expired (its sender died mid-way) is claimed again: an
e-mail or a webhook may then go out twice, which is why webhooks carry a
delivery id and e-mails a stable Message-ID that receivers can de-duplicate.
Every later write names the lease owner, so a sender that lost its lease
cannot overwrite the new holder's result.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from coop_shared.persistence.mongo import IndexSpec

PENDING, SENDING = "pending", "sending"


def queue_indexes(collection: str) -> list[IndexSpec]:
    return [
        IndexSpec(collection, [("status", 1), ("next_attempt_at", 1)], f"{collection}_due"),
        IndexSpec(collection, [("status", 1), ("lease_until", 1)], f"{collection}_leases"),
    ]


class WorkQueue:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self._items = collection

    async def claim(self, *, now: datetime, lease: timedelta, owner: str) -> dict[str, Any] | None:
        # Two single-index queries rather than one $or: each walks its own index
        # in order, with no in-memory sort of every due item on each claim.
        claim = {"$set": {"status": SENDING, "lease_until": now + lease, "lease_owner": owner}}
        due = await self._items.find_one_and_update(
            {"status": PENDING, "next_attempt_at": {"$lte": now}}, claim,
            sort=[("status", 1), ("next_attempt_at", 1)], return_document=ReturnDocument.AFTER,
        )
        if due is not None:
            return due
        return await self._items.find_one_and_update(
            {"status": SENDING, "lease_until": {"$lte": now}}, claim, return_document=ReturnDocument.AFTER,
        )

    async def settle(self, item_id: str, owner: str, changes: dict[str, Any],
                     push: dict[str, Any] | None = None, session: AsyncClientSession | None = None) -> bool:
        """Record the outcome of a claimed item and release the lease."""
        update: dict[str, Any] = {"$set": changes, "$unset": {"lease_until": "", "lease_owner": ""}}
        if push:
            update["$push"] = push
        result = await self._items.update_one({"_id": item_id, "status": SENDING, "lease_owner": owner}, update,
                                              session=session)
        return result.modified_count == 1

    async def next_due(self) -> datetime | None:
        """When the earliest pending item becomes due (lets a sender sleep exactly that long)."""
        doc = await self._items.find_one({"status": PENDING}, {"next_attempt_at": 1},
                                         sort=[("next_attempt_at", 1)])
        return None if doc is None else doc["next_attempt_at"]
