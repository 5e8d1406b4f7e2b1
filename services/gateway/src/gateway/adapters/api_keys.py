"""Partner API keys: random secrets shown once, stored as keyed hashes, with an optional expiry, the date they
were last used and an audit log of every request made with them."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import wall_time
from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import IndexSpec

API_KEYS = "api_keys"
API_KEY_AUDIT = "api_key_audit"
# Kept an accounting year and more, then expired by the database.
AUDIT_DAYS = 400
# The last-used date is written at most this often per key: not one extra write per request.
LAST_USED_PRECISION = timedelta(minutes=1)
INDEXES = [
    IndexSpec(API_KEYS, [("key_hash", 1)], "api_keys_hash_unique", unique=True),
    IndexSpec(API_KEYS, [("created_at", -1), ("_id", -1)], "api_keys_by_date"),
    IndexSpec(API_KEY_AUDIT, [("key_id", 1), ("at", -1), ("_id", -1)], "api_key_audit_by_key"),
    IndexSpec(API_KEY_AUDIT, [("at", 1)], "api_key_audit_ttl", options={"expireAfterSeconds": AUDIT_DAYS * 86400}),
]
KEY_PREFIX = "coop_"


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    name: str
    scopes: frozenset[str]
    revoked: bool
    expires_at: datetime | None = None
    # The activities the key is bound to (None: every activity its scopes reach).
    activity_ids: frozenset[str] | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def new_secret() -> tuple[str, str]:
    """A key (``coop_<id-hint>_<secret>``) and its public hint."""
    hint = secrets.token_hex(4)
    return f"{KEY_PREFIX}{hint}_{secrets.token_urlsafe(32)}", hint


class ApiKeyStore:
    """Keys have 256 bits of entropy, so a keyed SHA-256 (HMAC with a pepper
    from the environment) is the right hash: a slow password hash would only
    cost latency on every partner request."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], pepper: str, cache_seconds: float = 30.0) -> None:
        self._keys = db[API_KEYS]
        self._audit = db[API_KEY_AUDIT]
        self._pepper = pepper.encode()
        self._cache: dict[str, tuple[float, ApiKeyRecord | None]] = {}
        self._cache_seconds = cache_seconds
        # When this replica last wrote each key's last-used date: a busy key costs one write a minute.
        self._last_used_written: dict[str, datetime] = {}

    def _hash(self, key: str) -> str:
        return hmac.new(self._pepper, key.encode(), hashlib.sha256).hexdigest()

    async def create(self, *, name: str, scopes: frozenset[str], created_by: str,
                     expires_at: datetime | None = None,
                     activity_ids: frozenset[str] | None = None) -> tuple[str, dict[str, Any]]:
        key, hint = new_secret()
        doc = {"_id": str(uuid.uuid4()), "name": name, "scopes": sorted(scopes), "hint": hint,
               "key_hash": self._hash(key), "created_by": created_by, "created_at": wall_time(),
               "revoked_at": None, "expires_at": expires_at, "last_used_at": None,
               "activity_ids": None if activity_ids is None else sorted(activity_ids)}
        await self._keys.insert_one(doc)
        return key, doc

    async def verify(self, key: str) -> ApiKeyRecord | None:
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        digest = self._hash(key)
        cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        doc = await self._keys.find_one({"key_hash": digest})
        record = None if doc is None else _record(doc)
        self._cache[digest] = (time.monotonic(), record)
        return record

    async def list(self, *, limit: int, before: tuple[datetime, str] | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if before is not None:
            query["$or"] = [{"created_at": {"$lt": before[0]}},
                            {"created_at": before[0], "_id": {"$lt": before[1]}}]
        cursor = self._keys.find(query, {"key_hash": 0}).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]

    async def revoke(self, key_id: str) -> dict[str, Any] | None:
        doc = await self._keys.find_one_and_update(
            {"_id": key_id}, {"$set": {"revoked_at": wall_time()}}, projection={"key_hash": 0})
        if doc is not None:
            self._cache.clear()  # this replica forgets at once; others within cache_seconds
            if doc.get("revoked_at") is None:
                doc["revoked_at"] = wall_time()
        return doc

    async def record_use(self, key_id: str, *, method: str, path: str, status: int, client_ip: str,
                         request_id: str | None) -> None:
        """What the key did (one audit entry per request), and when it was last used."""
        now = wall_time()
        await self._audit.insert_one({"_id": str(uuid.uuid4()), "key_id": key_id, "at": now, "method": method,
                                      "path": path, "status": status, "client_ip": client_ip,
                                      "request_id": request_id})
        written = self._last_used_written.get(key_id)
        if written is not None and now - written < LAST_USED_PRECISION:
            return
        # The filter keeps several replicas from each writing within the same minute.
        await self._keys.update_one(
            {"_id": key_id, "$or": [{"last_used_at": None}, {"last_used_at": {"$lt": now - LAST_USED_PRECISION}}]},
            {"$set": {"last_used_at": now}})
        self._last_used_written[key_id] = now

    async def audit(self, key_id: str, *, limit: int,
                    cursor: str | None) -> tuple[builtins.list[dict[str, Any]], str | None]:
        """The key's requests, newest first."""
        query = after_cursor({"key_id": key_id}, "at", cursor)
        page = [doc async for doc in self._audit.find(query).sort(sort_spec("at")).limit(limit)]
        return page, next_cursor(page, limit, "at")

    async def get(self, key_id: str) -> dict[str, Any] | None:
        return await self._keys.find_one({"_id": key_id}, {"key_hash": 0})


def _record(doc: dict[str, Any]) -> ApiKeyRecord:
    bound = doc.get("activity_ids")
    return ApiKeyRecord(doc["_id"], doc["name"], frozenset(doc["scopes"]), doc.get("revoked_at") is not None,
                        _aware(doc.get("expires_at")), None if bound is None else frozenset(bound))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
