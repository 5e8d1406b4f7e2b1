"""In-memory stand-ins for the gateway's MongoDB adapters in use-case unit tests (only the methods
admission and its set-up call, with the real ones' names, signatures and outcomes).

The fake subclasses the MongoDB store without calling its ``__init__``: it holds no collection, so a
method it does not implement fails at once instead of reaching a database."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from coop_shared.clock import wall_time
from gateway.adapters.api_keys import KEY_PREFIX, ApiKeyRecord, ApiKeyStore, new_secret


class FakeApiKeyStore(ApiKeyStore):
    """The ``api_keys`` collection keyed by ``_id``, found by a digest of the key (never the key itself),
    read afresh on every verification (no cache: a revocation shows at once)."""

    def __init__(self) -> None:  # no super().__init__: no database behind it
        self.documents: dict[str, dict[str, Any]] = {}

    def _hash(self, key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    async def create(self, *, name: str, scopes: frozenset[str], created_by: str,
                     expires_at: datetime | None = None,
                     activity_ids: frozenset[str] | None = None) -> tuple[str, dict[str, Any]]:
        key, hint = new_secret()
        key_id = str(uuid.uuid4())
        doc: dict[str, Any] = {"_id": key_id, "name": name, "scopes": sorted(scopes), "hint": hint,
               "key_hash": self._hash(key), "created_by": created_by, "created_at": wall_time(),
               "revoked_at": None, "expires_at": expires_at, "last_used_at": None,
               "activity_ids": None if activity_ids is None else sorted(activity_ids)}
        self.documents[key_id] = doc
        return key, {k: v for k, v in doc.items() if k != "key_hash"}

    async def verify(self, key: str) -> ApiKeyRecord | None:
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        digest = self._hash(key)
        doc = next((d for d in self.documents.values() if d["key_hash"] == digest), None)
        if doc is None:
            return None
        bound = doc["activity_ids"]
        return ApiKeyRecord(doc["_id"], doc["name"], frozenset(doc["scopes"]), doc["revoked_at"] is not None,
                            doc["expires_at"], None if bound is None else frozenset(bound))

    async def revoke(self, key_id: str) -> dict[str, Any] | None:
        doc = self.documents.get(key_id)
        if doc is None:
            return None
        if doc["revoked_at"] is None:
            doc["revoked_at"] = wall_time()
        return {k: v for k, v in doc.items() if k != "key_hash"}
