"""``Idempotency-Key`` for write endpoints: a replay returns the first answer
and changes nothing; the same key with a different body is refused.

A placeholder is inserted first under a unique ``_id``, so two concurrent
requests with one key cannot both run the use case. The placeholder holds a
lease: while it runs, a retry gets ``409 request_in_progress`` with
``Retry-After``; a request whose client went away (a gateway timeout) still
runs to the end and records its answer, which the retry then receives; only a
placeholder whose process died is taken over, by one retry, once its lease
has passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import wall_time
from coop_shared.http.errors import ApiError
from coop_shared.persistence.mongo import IndexSpec

IDEMPOTENCY_COLLECTION = "idempotency_keys"
IDEMPOTENCY_INDEXES = [
    IndexSpec(IDEMPOTENCY_COLLECTION, [("created_at", 1)], "idempotency_ttl",
              options={"expireAfterSeconds": 24 * 3600}),
]
# Longer than any use case takes under load (the slowest seen: 34 s), so a live
# request is never taken over; a dead one holds its key this long at most.
LEASE = timedelta(seconds=60)
# How soon a client should ask again while the first request runs.
RETRY_AFTER_SECONDS = 2


# The header every retryable write takes, declared once (its limits are in the API document).
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Retry safely: a replay of the same request with the same key returns the first answer "
                "(keys are kept 24 h; reusing one for a different request is refused).")]


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(jsonable_encoder(body), sort_keys=True).encode()).hexdigest()


async def idempotent(db: AsyncDatabase[dict[str, Any]], *, key: str | None, scope: str, body: Any,
                     run: Callable[[], Awaitable[tuple[int, Any]]]) -> JSONResponse:
    """Run ``run`` (returning status and JSON-able content) at most once per key."""
    if key is None:
        status, content = await run()
        return JSONResponse(jsonable_encoder(content), status_code=status)
    if not 1 <= len(key) <= 200:
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 characters.",
                       field="Idempotency-Key")
    keys = db[IDEMPOTENCY_COLLECTION]
    doc_id = f"{scope}:{key}"
    fingerprint = request_fingerprint(body)
    now = wall_time()
    lease = {"created_at": now, "lease_until": now + LEASE}
    try:
        await keys.insert_one({"_id": doc_id, "fingerprint": fingerprint, "state": "running", **lease})
    except DuplicateKeyError:
        existing = await keys.find_one({"_id": doc_id})
        if existing is None:  # expired between the two calls
            return await idempotent(db, key=key, scope=scope, body=body, run=run)
        if existing["fingerprint"] != fingerprint:
            raise ApiError(422, "idempotency_key_reused",
                           "This Idempotency-Key was used with a different request.",
                           field="Idempotency-Key") from None
        if existing["state"] == "done":
            return JSONResponse(existing["content"], status_code=existing["status"],
                                headers={"Idempotent-Replayed": "true"})
        until = _aware(existing.get("lease_until") or existing["created_at"] + LEASE)
        # The first attempt's process died mid-way: one retry takes the key over, atomically.
        taken = until <= now and (await keys.update_one(
            {"_id": doc_id, "state": "running", "lease_until": existing.get("lease_until"),
             "created_at": existing["created_at"]}, {"$set": lease})).modified_count == 1
        if not taken:
            wait = max(1, min(RETRY_AFTER_SECONDS, math.ceil((until - now).total_seconds())))
            raise ApiError(409, "request_in_progress",
                           "A request with this Idempotency-Key is still being processed: ask again shortly.",
                           field="Idempotency-Key", headers={"Retry-After": str(wait)}) from None
    # Shielded: a client that disconnects (or a gateway that times out) cancels the
    # request, not the work; the answer is recorded for the retry.
    return await asyncio.shield(_run_and_record(keys, doc_id, run))


async def _run_and_record(keys: Any, doc_id: str, run: Callable[[], Awaitable[tuple[int, Any]]]) -> JSONResponse:
    try:
        status, content = await run()
    except BaseException:
        # Nothing was committed: free the key so a corrected retry can run.
        await keys.delete_one({"_id": doc_id})
        raise
    encoded = jsonable_encoder(content)
    await keys.update_one({"_id": doc_id}, {"$set": {"state": "done", "status": status, "content": encoded},
                                            "$unset": {"lease_until": ""}})
    return JSONResponse(encoded, status_code=status)


def _aware(moment: datetime) -> datetime:
    """Stored datetimes come back naive unless the client is tz-aware; both are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
