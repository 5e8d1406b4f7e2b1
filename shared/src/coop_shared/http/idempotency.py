"""``Idempotency-Key`` for write endpoints: a replay returns the first answer
and changes nothing; the same key with a different body is refused.

A placeholder is inserted first under a unique ``_id``, so two concurrent
requests with one key cannot both run the use case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.http.errors import ApiError
from coop_shared.persistence.mongo import IndexSpec

IDEMPOTENCY_COLLECTION = "idempotency_keys"
IDEMPOTENCY_INDEXES = [
    IndexSpec(IDEMPOTENCY_COLLECTION, [("created_at", 1)], "idempotency_ttl",
              options={"expireAfterSeconds": 24 * 3600}),
]
_STALE = timedelta(minutes=5)


def _fingerprint(body: Any) -> str:
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
    fingerprint = _fingerprint(body)
    now = datetime.now(UTC)
    try:
        await keys.insert_one({"_id": doc_id, "fingerprint": fingerprint, "state": "running", "created_at": now})
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
        if now - existing["created_at"] < _STALE:
            raise ApiError(409, "request_in_progress",
                           "A request with this Idempotency-Key is still being processed.",
                           field="Idempotency-Key") from None
        # The first attempt died mid-way: take it over.
        await keys.update_one({"_id": doc_id}, {"$set": {"created_at": now}})
    try:
        status, content = await run()
    except BaseException:
        # Nothing was committed: free the key so a corrected retry can run.
        await keys.delete_one({"_id": doc_id})
        raise
    encoded = jsonable_encoder(content)
    await keys.update_one({"_id": doc_id}, {"$set": {"state": "done", "status": status, "content": encoded}})
    return JSONResponse(encoded, status_code=status)
