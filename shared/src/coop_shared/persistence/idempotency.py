"""Idempotent consumers: an effect and its "already applied" marker are
committed in one transaction, guarded by the unique ``_id`` of the marker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import wall_time
from coop_shared.messaging.sequencing import number_being_applied
from coop_shared.persistence.mongo import IndexSpec, in_transaction

PROCESSED_COLLECTION = "processed_events"
PROCESSED_INDEXES = [
    IndexSpec(PROCESSED_COLLECTION, [("handler", 1), ("event_id", 1)], "processed_once", unique=True),
]


class _AlreadyApplied(Exception):
    pass


async def apply_once(client: AsyncMongoClient[dict[str, Any]], db: AsyncDatabase[dict[str, Any]],
                     *, handler: str, event_id: str,
                     effect: Callable[[AsyncClientSession], Awaitable[None]]) -> bool:
    """Run ``effect`` once per (handler, event id). Returns False for a replay.

    Concurrent deliveries of the same event race on the unique index; exactly
    one transaction commits, the other sees the duplicate and does nothing.
    """
    markers = db[PROCESSED_COLLECTION]
    # No read of the marker first: the marker's insert opens the transaction
    # and fails on a replay before the effect runs, so a first delivery (the
    # common case) pays no extra round trip and a replay pays one aborted
    # transaction. Inside a sequenced consumer, the aggregate's applied number
    # commits with the effect.
    number = number_being_applied()

    async def work(session: AsyncClientSession) -> None:
        try:
            await markers.insert_one(
                {"handler": handler, "event_id": event_id, "applied_at": wall_time()}, session=session
            )
        except DuplicateKeyError as exc:
            raise _AlreadyApplied from exc
        await effect(session)
        if number is not None:
            await number.store(session)

    try:
        await in_transaction(client, work)
        if number is not None:
            number.stored = True
    except _AlreadyApplied:
        return False
    except DuplicateKeyError as exc:
        # A concurrent twin committed its marker first (the conflict surfaced at commit).
        if "processed_once" in str(exc) or PROCESSED_COLLECTION in str(exc):
            return False
        raise
    return True
