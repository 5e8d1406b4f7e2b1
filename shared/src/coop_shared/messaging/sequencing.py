"""Applying the events of one aggregate in the order they were committed.

The outbox numbers each aggregate's events (``sequence``) and lists the types
of the last few before it (``priortypes``). A consumer receives only the types
it is bound to, so the predecessor it must wait for is the latest earlier
event of a type it handles. Redeliveries, a relay's retry after a lost
confirm, and concurrent handling (prefetch) can all bring a younger event
first: it is then *parked* in the consumer's database (acked, so the queue
keeps flowing) and applied right after its predecessor. An aggregate's
``last`` applied number only grows (``$max``).

When the handler applies the event with ``apply_once``, the aggregate's new
``last`` commits in the same transaction as the effect and its marker (one
command fewer per event, and no window in which an event is applied but its
number is not); a handler that stores nothing itself gets it written after.

A predecessor that never comes (dead-lettered, or older than the history
carried) must not block an aggregate for ever: a parked event is applied
anyway after ``gap_seconds``, with a warning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import wall_time
from coop_shared.messaging.envelope import Envelope
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import IndexSpec

log = get_logger("sequencing")

SEQUENCES = "consumer_sequences"
PARKED = "parked_events"
SEQUENCING_INDEXES = [
    # Not (key, needs, sequence): SecantusDB answers nothing for an equality on
    # the first field with a range on the second of a compound index
    # ({"key": k, "needs": {"$lte": n}}), where MongoDB finds the documents.
    IndexSpec(PARKED, [("key", ASCENDING), ("sequence", ASCENDING)], "parked_by_key_sequence"),
    IndexSpec(PARKED, [("parked_at", ASCENDING)], "parked_by_age"),
]

Apply = Callable[[Envelope], Awaitable[None]]


@dataclass
class AppliedNumber:
    """The number an aggregate reaches once the event being handled is applied."""

    sequences: AsyncCollection[dict[str, Any]]
    key: str
    sequence: int
    stored: bool = False

    async def store(self, session: AsyncClientSession | None = None) -> None:
        await self.sequences.update_one({"_id": self.key}, {"$max": {"last": self.sequence}}, upsert=True,
                                        session=session)


_being_applied: ContextVar[AppliedNumber | None] = ContextVar("sequenced_event_being_applied", default=None)


def number_being_applied() -> AppliedNumber | None:
    """The applied number of the event this task is handling, still to be stored (None outside a
    sequenced consumer, or once stored): ``apply_once`` writes it inside its transaction."""
    number = _being_applied.get()
    return None if number is None or number.stored else number


def aggregate_key(envelope: Envelope) -> str | None:
    if envelope.sequence is None or not envelope.subject:
        return None
    return f"{envelope.source}|{envelope.subject}"


def required_predecessor(envelope: Envelope, handled: Collection[str]) -> int | None:
    """The sequence number this consumer must have applied first, if any."""
    if envelope.sequence is None:
        return None
    for back, event_type in enumerate(reversed(envelope.priortypes), start=1):
        if event_type in handled:
            return envelope.sequence - back
    return None


class Sequencer:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], handled: Collection[str], *,
                 gap_seconds: float = 30.0) -> None:
        self._sequences = db[SEQUENCES]
        self._parked = db[PARKED]
        self._handled = frozenset(handled)
        self._gap = timedelta(seconds=gap_seconds)
        self._sweeper: asyncio.Task[None] | None = None

    async def last(self, key: str) -> int:
        doc = await self._sequences.find_one({"_id": key}, {"last": 1})
        return int(doc["last"]) if doc else 0

    async def ready(self, envelope: Envelope) -> bool:
        key = aggregate_key(envelope)
        needs = required_predecessor(envelope, self._handled)
        return key is None or needs is None or await self.last(key) >= needs

    async def park(self, envelope: Envelope, body: bytes) -> None:
        key = aggregate_key(envelope)
        assert key is not None
        try:
            await self._parked.insert_one({
                "_id": envelope.id, "key": key, "sequence": envelope.sequence,
                "needs": required_predecessor(envelope, self._handled), "type": envelope.type,
                "body": body.decode(), "parked_at": wall_time(), "attempts": 0})
        except DuplicateKeyError:
            pass  # parked already (a redelivery of a parked event)
        log.info("event_parked", event_id=envelope.id, event_type=envelope.type, key=key,
                 sequence=envelope.sequence)

    async def apply(self, envelope: Envelope, apply: Apply) -> None:
        """Run the handler, then record the aggregate's number unless its transaction already did."""
        key = aggregate_key(envelope)
        number = None if key is None else AppliedNumber(self._sequences, key, int(envelope.sequence or 0))
        token = _being_applied.set(number)
        try:
            await apply(envelope)
        finally:
            _being_applied.reset(token)
        if number is not None and not number.stored:
            await number.store()

    async def release(self, key: str, apply: Apply, *, force: bool = False) -> None:
        """Apply the parked events of ``key`` whose predecessor is applied (all
        of them, oldest first, when ``force``)."""
        while True:
            query: dict[str, Any] = {"key": key}
            if not force:
                query["needs"] = {"$lte": await self.last(key)}
            doc = await self._parked.find_one_and_delete(query, sort=[("sequence", ASCENDING)])
            if doc is None:
                return
            envelope = Envelope.from_json(doc["body"].encode())
            if force:
                log.warning("event_sequence_gap", event_id=envelope.id, key=key, sequence=envelope.sequence,
                            waited_for=doc.get("needs"))
            try:
                await self.apply(envelope, apply)
            except Exception as exc:
                # Back where it was; the sweeper tries again.
                doc["attempts"] = int(doc.get("attempts", 0)) + 1
                doc["last_error"] = str(exc)[:500]
                await self._parked.insert_one(doc)
                log.warning("parked_event_failed", event_id=envelope.id, error=str(exc)[:300])
                return
            force = False  # the gap is crossed; the rest waits for its own predecessors

    async def sweep(self, apply: Apply) -> None:
        """Release what a race left parked, and cross gaps older than gap_seconds."""
        now = wall_time()
        keys = await self._parked.distinct("key")
        for key in keys:
            await self.release(key, apply)
            oldest = await self._parked.find_one({"key": key}, sort=[("sequence", ASCENDING)])
            if oldest is not None:
                parked_at = oldest["parked_at"]
                if parked_at.tzinfo is None:
                    parked_at = parked_at.replace(tzinfo=UTC)
                if now - parked_at > self._gap:
                    await self.release(key, apply, force=True)

    def start_sweeping(self, apply: Apply, every_seconds: float = 2.0) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every_seconds)
                try:
                    await self.sweep(apply)
                except Exception as exc:  # database hiccup: next round
                    log.warning("sequencing_sweep_failed", error=str(exc)[:300])

        self._sweeper = asyncio.create_task(loop(), name="sequencing-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            try:
                await self._sweeper
            except asyncio.CancelledError:
                pass
            self._sweeper = None
