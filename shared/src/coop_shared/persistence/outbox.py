"""Transactional outbox and its relay.

A use case writes its state change and the events it causes in one MongoDB
transaction (``Outbox.add`` with the transaction's session). The relay then
publishes pending events with publisher confirms and marks them sent only
after the broker confirmed them. A crash between the confirm and the mark
sends an event again (consumers are idempotent); nothing is ever lost.

Each event belongs to an *aggregate* (the envelope's ``subject``: an invoice,
a member, an assembly) and carries its position in it (``sequence``, 1, 2, ...
per aggregate, assigned in the committing transaction). The relay keeps that
order on the wire:

- one pass reads a window of pending events in commit order, skips every
  aggregate whose oldest pending event is not due (backing off after a
  failure, or leased by another relay), and claims the rest with **one**
  update (a lease: ``lease_owner`` = this pass's token, ``available_at`` in
  the near future);
- it publishes in *waves* with pipelined confirms: wave *k* holds the *k*-th
  claimed event of each aggregate, so one aggregate never has two events in
  flight and a failed publish holds back the younger events of that
  aggregate only;
- it marks the confirmed events sent with one bulk write, backs off the
  failed ones and releases the held-back ones.

The lease is short (seconds): a relay killed mid-claim delays its events only
that long.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.trace import SpanKind, Tracer
from pymongo import ReturnDocument, UpdateMany, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import wall_time
from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.publisher import EventPublisher, PublishFailed
from coop_shared.observability.logging import get_logger
from coop_shared.observability.metrics import OUTBOX_PENDING
from coop_shared.observability.tracing import continued_span, current_traceparent, get_tracer
from coop_shared.persistence.mongo import IndexSpec

log = get_logger("outbox")

OUTBOX_COLLECTION = "outbox"
SEQUENCES_COLLECTION = "outbox_sequences"
PENDING, SENT = "pending", "sent"
# How many earlier event types of an aggregate travel with each event, so a
# consumer can tell which predecessor it must have applied first (it only
# receives the types it is bound to).
HISTORY = 16
# The aggregates' numbers are read this many at a time. SecantusDB answers an
# ``$in`` in time that grows faster than the documents it returns: 1,000
# members' numbers took 734 ms in one query and 78 ms in slices of 50 (MongoDB
# pays one more round trip per slice, well under a millisecond each).
_RESERVE_READ_SLICE = 50

OUTBOX_INDEXES = [
    IndexSpec(OUTBOX_COLLECTION, [("status", 1), ("created_at", 1), ("sequence", 1), ("_id", 1)],
              "outbox_pending_order"),
    # Sent events are kept a week for audit and replays, then expire.
    IndexSpec(OUTBOX_COLLECTION, [("sent_at", 1)], "outbox_sent_ttl",
              options={"expireAfterSeconds": 7 * 24 * 3600}),
]


def _now() -> datetime:
    return wall_time()


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._sequences = db[SEQUENCES_COLLECTION]
        self._listeners: list[asyncio.Event] = []

    async def add(self, events: Sequence[Envelope], *, session: AsyncClientSession) -> None:
        """Store events inside the caller's transaction, numbered per aggregate.
        The envelope is kept as its JSON text, so what is published is
        byte-for-byte what was stored."""
        if not events:
            return
        now = _now()
        by_subject: dict[str, list[Envelope]] = {}
        for event in events:
            if event.subject:
                by_subject.setdefault(event.subject, []).append(event)
        positions = await self._reserve(by_subject, session)
        sequenced: dict[str, Envelope] = {}
        for subject, group in by_subject.items():
            seq, history = positions[subject]
            for event in group:
                seq += 1
                sequenced[event.id] = event.model_copy(
                    update={"sequence": seq, "priortypes": tuple(history[-HISTORY:])})
                history.append(event.type)
        numbered = [sequenced.get(e.id, e) for e in events]
        # The trace that caused the events (when tracing is on): the relay
        # publishes them as its continuation.
        trace_headers = current_traceparent()
        await self._collection.insert_many(
            [{"_id": e.id, "type": e.type, "aggregate": e.subject or e.id, "sequence": e.sequence,
              "body": e.to_json().decode(), "status": PENDING, "created_at": now, "available_at": now,
              "attempts": 0, **({"trace": trace_headers} if trace_headers else {})} for e in numbered],
            session=session,
        )

    async def _reserve(self, by_subject: dict[str, list[Envelope]],
                       session: AsyncClientSession) -> dict[str, tuple[int, list[str]]]:
        """Each aggregate's last number and recent types, bumped for the new
        events in the caller's transaction: two commits on one aggregate
        conflict and one is retried, so numbers follow commit order."""
        if not by_subject:
            return {}
        if len(by_subject) == 1:
            ((subject, group),) = by_subject.items()
            before = await self._sequences.find_one_and_update(
                {"_id": subject},
                {"$inc": {"seq": len(group)},
                 "$push": {"types": {"$each": [e.type for e in group], "$slice": -HISTORY}}},
                upsert=True, return_document=ReturnDocument.BEFORE, session=session,
            )
            return {subject: (int(before["seq"]) if before else 0, list(before.get("types", [])) if before else [])}
        # Many aggregates (a month-end run): one read and one bulk write, not one round trip each.
        subjects = list(by_subject)
        current: dict[str, Any] = {}
        for start in range(0, len(subjects), _RESERVE_READ_SLICE):
            current.update({doc["_id"]: doc async for doc in self._sequences.find(
                {"_id": {"$in": subjects[start:start + _RESERVE_READ_SLICE]}}, session=session)})
        positions: dict[str, tuple[int, list[str]]] = {}
        writes: list[UpdateOne] = []
        for subject, group in by_subject.items():
            doc = current.get(subject)
            seq, types = (int(doc["seq"]), list(doc.get("types", []))) if doc else (0, [])
            positions[subject] = (seq, list(types))
            writes.append(UpdateOne({"_id": subject}, {"$set": {
                "seq": seq + len(group), "types": (types + [e.type for e in group])[-HISTORY:]}}, upsert=True))
        await self._sequences.bulk_write(writes, ordered=False, session=session)
        return positions

    def subscribe(self, wake: asyncio.Event) -> None:
        self._listeners.append(wake)

    def notify(self) -> None:
        """Tell relays in this process that a transaction has committed events."""
        for wake in self._listeners:
            wake.set()

    async def pending_count(self) -> int:
        return await self._collection.count_documents({"status": PENDING})


class OutboxRelay:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], publisher: EventPublisher, outbox: Outbox, *,
                 service: str, poll_seconds: float = 0.5, lease_seconds: float = 5.0,
                 batch_size: int = 100, max_backoff_seconds: float = 30.0,
                 idle_poll_seconds: float = 5.0, gauge_seconds: float = 30.0,
                 tracer: Tracer | None = None) -> None:
        self._collection = db[OUTBOX_COLLECTION]
        self._tracer = tracer or get_tracer(None)
        self._publisher = publisher
        self._service = service
        self._poll = poll_seconds
        self._idle_poll = max(idle_poll_seconds, poll_seconds)
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch_size
        self._max_backoff = max_backoff_seconds
        self._gauge_every = gauge_seconds
        self._gauge_at = 0.0
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
        # Polling only finds events committed by other processes (or left by
        # a crashed one): commits in this process wake the relay at once. An
        # idle relay slows its polling down to idle_poll_seconds.
        wait = self._poll
        while not self._stopping:
            try:
                published = await self.publish_pending_once()
            except Exception as exc:  # database unreachable: keep the loop alive
                log.warning("outbox_relay_error", error=f"{type(exc).__name__}: {exc}")
                published = 0
            if published:
                wait = self._poll
                continue  # there may be more: drain before sleeping
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
                wait = self._poll
            except TimeoutError:
                wait = min(wait * 2, self._idle_poll)

    async def publish_pending_once(self) -> int:
        """Publish what is due now; return how many were confirmed."""
        claimed = await self._claim_batch()
        confirmed = await self._publish_batch(claimed) if claimed else 0
        await self._update_gauge()
        return confirmed

    async def _claim_batch(self) -> list[dict[str, Any]]:
        now = _now()
        # Whole documents: when the claim takes every one of them (the usual case) they are published as
        # read, without reading them again (their body, type and position never change once stored).
        window = self._collection.find({"status": PENDING}).sort(
            [("created_at", 1), ("sequence", 1), ("_id", 1)]).limit(self._batch * 2)
        blocked: set[str] = set()
        due: list[dict[str, Any]] = []
        async for doc in window:
            aggregate = doc.get("aggregate") or doc["_id"]
            if aggregate in blocked:
                continue
            available = doc["available_at"]
            if available.tzinfo is None:
                available = available.replace(tzinfo=UTC)
            if available > now:
                blocked.add(aggregate)  # backing off or leased elsewhere: its younger events wait
                continue
            due.append(doc)
            if len(due) >= self._batch:
                break
        if not due:
            return []
        token = f"{self._owner}:{uuid.uuid4().hex}"
        ids = [doc["_id"] for doc in due]
        result = await self._collection.update_many(
            {"_id": {"$in": ids}, "status": PENDING, "available_at": {"$lte": now}},
            {"$set": {"available_at": now + self._lease, "lease_owner": token}},
        )
        if result.modified_count == len(due):
            return [{**doc, "lease_owner": token} for doc in due]
        if result.modified_count == 0:
            return []
        # Another relay took some of them meanwhile: only what this claim holds.
        claimed = [doc async for doc in self._collection.find({"_id": {"$in": ids}, "lease_owner": token})]
        order = {event_id: index for index, event_id in enumerate(ids)}
        claimed.sort(key=lambda d: order.get(d["_id"], len(order)))
        return claimed

    async def _publish_batch(self, claimed: list[dict[str, Any]]) -> int:
        token = claimed[0]["lease_owner"]
        queues: dict[str, list[dict[str, Any]]] = {}
        for doc in claimed:
            queues.setdefault(doc.get("aggregate") or doc["_id"], []).append(doc)
        for docs in queues.values():
            docs.sort(key=lambda d: d.get("sequence") or 0)
        sent: list[str] = []
        failed: list[tuple[dict[str, Any], PublishFailed]] = []
        held: list[str] = []
        broker_down = False
        while queues and not broker_down and not self._stopping:
            wave = [docs.pop(0) for docs in queues.values()]
            outcomes = await asyncio.gather(*(self._publish(doc) for doc in wave))
            for doc, outcome in zip(wave, outcomes, strict=True):
                aggregate = doc.get("aggregate") or doc["_id"]
                if outcome is None:
                    sent.append(doc["_id"])
                    continue
                failed.append((doc, outcome))
                held.extend(d["_id"] for d in queues.pop(aggregate, []))  # younger events of it wait
                if not outcome.unroutable:
                    broker_down = True
            queues = {k: v for k, v in queues.items() if v}
        for docs in queues.values():
            held.extend(d["_id"] for d in docs)
        await self._settle(token, sent, failed, held)
        return len(sent)

    async def _publish(self, doc: dict[str, Any]) -> PublishFailed | None:
        body: bytes = doc["body"].encode()
        with continued_span(self._tracer, f"{doc['type']} publish", doc.get("trace"), kind=SpanKind.PRODUCER,
                            attributes={"messaging.system": "rabbitmq", "messaging.message.id": doc["_id"]}):
            try:
                await self._publisher.publish(Envelope.from_json(body), body)
            except PublishFailed as exc:
                return exc
        return None

    async def _settle(self, token: str, sent: list[str], failed: list[tuple[dict[str, Any], PublishFailed]],
                      held: list[str]) -> None:
        """One bulk round trip: confirmed → sent, failed → backed off, held → released."""
        now = _now()
        writes: list[UpdateOne | UpdateMany] = []
        if sent:
            writes.append(UpdateMany({"_id": {"$in": sent}, "lease_owner": token},
                                     {"$set": {"status": SENT, "sent_at": now}, "$unset": {"lease_owner": ""}}))
        for doc, exc in failed:
            attempts = int(doc.get("attempts", 0)) + 1
            delay = min(self._poll * (2 ** min(attempts, 10)), self._max_backoff)
            writes.append(UpdateOne(
                {"_id": doc["_id"], "lease_owner": token},
                {"$set": {"available_at": now + timedelta(seconds=delay), "last_error": str(exc)[:500]},
                 "$inc": {"attempts": 1}, "$unset": {"lease_owner": ""}}))
            log.warning("outbox_publish_failed", event_id=doc["_id"], event_type=doc["type"],
                        attempts=attempts, retry_in_s=delay, error=str(exc)[:300])
        if held:
            writes.append(UpdateMany({"_id": {"$in": held}, "lease_owner": token},
                                     {"$set": {"available_at": now}, "$unset": {"lease_owner": ""}}))
        if writes:
            await self._collection.bulk_write(writes, ordered=False)

    async def _update_gauge(self) -> None:
        # A count is not free on a large outbox: refresh the gauge now and then,
        # not on every pass.
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._gauge_at < self._gauge_every:
            return
        self._gauge_at = loop_now
        OUTBOX_PENDING.labels(self._service).set(await self._collection.count_documents({"status": PENDING}))
