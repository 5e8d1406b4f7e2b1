"""Transactional outbox and its relay.

A use case writes its state change and the events it causes in one MongoDB
transaction (``Outbox.add`` with the transaction's session). The relay then
publishes pending events with publisher confirms and marks each one sent only
after the broker confirmed it. A crash between the confirm and the mark sends
the event again (consumers are idempotent); nothing is ever lost.

Each relay claims an event before publishing it by pushing its ``available_at``
into the future (a lease) with an atomic update, so two relays (replicas, or a
restarted process) never have the same message id in flight at once. A failed
publish releases the event with an exponential back-off.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher, PublishFailed
from coop_shared.observability.logging import get_logger
from coop_shared.observability.metrics import OUTBOX_PENDING
from coop_shared.persistence.mongo import IndexSpec

log = get_logger("outbox")

OUTBOX_COLLECTION = "outbox"
PENDING, SENT = "pending", "sent"
# No queue was ever bound for the type (no consumer has started yet) for a long
# time: kept, counted and shown by /health/ready, no longer retried. Setting
# the status back to "pending" publishes it again.
UNROUTABLE = "unroutable"

OUTBOX_INDEXES = [
    IndexSpec(OUTBOX_COLLECTION, [("status", 1), ("available_at", 1), ("created_at", 1)], "outbox_pending"),
    # Sent events are kept a week for audit and replays, then expire.
    IndexSpec(OUTBOX_COLLECTION, [("sent_at", 1)], "outbox_sent_ttl",
              options={"expireAfterSeconds": 7 * 24 * 3600}),
]


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._listeners: list[asyncio.Event] = []

    async def add(self, events: Sequence[Envelope], *, session: AsyncClientSession) -> None:
        """Store events inside the caller's transaction. The envelope is kept
        as its JSON text, so what is published is byte-for-byte what was stored."""
        if not events:
            return
        now = _now()
        await self._collection.insert_many(
            [{"_id": e.id, "type": e.type, "body": e.to_json().decode(), "status": PENDING,
              "created_at": now, "available_at": now, "attempts": 0} for e in events],
            session=session,
        )

    def subscribe(self, wake: asyncio.Event) -> None:
        self._listeners.append(wake)

    def notify(self) -> None:
        """Tell relays in this process that a transaction has committed events."""
        for wake in self._listeners:
            wake.set()

    async def pending_count(self) -> int:
        return await self._collection.count_documents({"status": PENDING})

    async def unroutable_count(self) -> int:
        return await self._collection.count_documents({"status": UNROUTABLE})


class OutboxRelay:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], publisher: EventPublisher, outbox: Outbox, *,
                 service: str, poll_seconds: float = 0.5, lease_seconds: float = 60.0,
                 batch_size: int = 100, max_backoff_seconds: float = 30.0,
                 max_unroutable_attempts: int = 50) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._publisher = publisher
        self._service = service
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch_size
        self._max_backoff = max_backoff_seconds
        self._max_unroutable = max_unroutable_attempts
        self._owner = f"{service}:{uuid.uuid4()}"
        self._wake = asyncio.Event()
        outbox.subscribe(self._wake)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=15)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                published = await self.publish_pending_once()
            except Exception as exc:  # database unreachable: keep the loop alive
                log.warning("outbox_relay_error", error=f"{type(exc).__name__}: {exc}")
                published = 0
            if published:
                continue  # there may be more: drain before sleeping
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                pass

    async def publish_pending_once(self) -> int:
        """Publish what is due now; return how many were confirmed."""
        now = _now()
        due = self._collection.find(
            {"status": PENDING, "available_at": {"$lte": now}}, {"_id": 1},
        ).sort([("created_at", 1), ("_id", 1)]).limit(self._batch)
        ids = [doc["_id"] async for doc in due]
        confirmed = 0
        for event_id in ids:
            if self._stopping:
                break
            claimed = await self._claim(event_id)
            if claimed is None:
                continue  # another relay holds it, or it was sent meanwhile
            outcome = await self._publish(claimed)
            if outcome is True:
                confirmed += 1
            elif outcome == "unreachable":
                break  # the broker is gone: retry the rest later, in order
            # "unroutable": that type has no queue yet; it backs off alone and
            # does not hold up the events behind it.
        OUTBOX_PENDING.labels(self._service).set(await self._collection.count_documents({"status": PENDING}))
        return confirmed

    async def _claim(self, event_id: str) -> dict[str, Any] | None:
        now = _now()
        return await self._collection.find_one_and_update(
            {"_id": event_id, "status": PENDING, "available_at": {"$lte": now}},
            {"$set": {"available_at": now + self._lease, "lease_owner": self._owner}},
            return_document=ReturnDocument.AFTER,
        )

    async def _publish(self, doc: dict[str, Any]) -> bool | str:
        body: bytes = doc["body"].encode()
        envelope = Envelope.from_json(body)
        try:
            await self._publisher.publish(envelope, body)
        except PublishFailed as exc:
            attempts = int(doc.get("attempts", 0)) + 1
            delay = min(self._poll * (2 ** min(attempts, 10)), self._max_backoff)
            parked = exc.unroutable and attempts >= self._max_unroutable
            await self._collection.update_one(
                {"_id": doc["_id"], "lease_owner": self._owner},
                {"$set": {"available_at": _now() + timedelta(seconds=delay), "last_error": str(exc)[:500],
                          **({"status": UNROUTABLE} if parked else {})},
                 "$inc": {"attempts": 1}, "$unset": {"lease_owner": ""}},
            )
            log.warning("outbox_publish_failed", event_id=doc["_id"], event_type=doc["type"],
                        attempts=attempts, retry_in_s=delay, unroutable=exc.unroutable, error=str(exc)[:300])
            return "unroutable" if exc.unroutable else "unreachable"
        await self._collection.update_one(
            {"_id": doc["_id"], "lease_owner": self._owner},
            {"$set": {"status": SENT, "sent_at": _now()}, "$unset": {"lease_owner": ""}},
        )
        return True
