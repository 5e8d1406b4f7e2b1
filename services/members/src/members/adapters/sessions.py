"""Refresh tokens (hashes only) and login-attempt counters in MongoDB."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import IndexSpec
from members.domain.sessions import RefreshStatus, ThrottlePolicy

REFRESH_TOKENS = "refresh_tokens"
LOGIN_ATTEMPTS = "login_attempts"

INDEXES = [
    IndexSpec(REFRESH_TOKENS, [("token_hash", 1)], "refresh_token_hash_unique", unique=True),
    IndexSpec(REFRESH_TOKENS, [("family_id", 1)], "refresh_tokens_by_family"),
    IndexSpec(REFRESH_TOKENS, [("member_id", 1), ("created_at", -1)], "refresh_tokens_by_member"),
    # Expired tokens are useless (even for reuse detection): let MongoDB drop them.
    IndexSpec(REFRESH_TOKENS, [("expires_at", 1)], "refresh_tokens_ttl", options={"expireAfterSeconds": 0}),
    IndexSpec(LOGIN_ATTEMPTS, [("expires_at", 1)], "login_attempts_ttl", options={"expireAfterSeconds": 0}),
]

Session = AsyncClientSession | None
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StoredRefreshToken:
    token_hash: str
    family_id: str
    member_id: str
    status: RefreshStatus
    created_at: datetime
    expires_at: datetime


class RefreshTokenRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._tokens = db[REFRESH_TOKENS]

    async def add(self, token: StoredRefreshToken, session: Session = None) -> None:
        await self._tokens.insert_one({
            "_id": str(uuid.uuid4()), "token_hash": token.token_hash, "family_id": token.family_id,
            "member_id": token.member_id, "status": token.status.value, "created_at": token.created_at,
            "expires_at": token.expires_at,
        }, session=session)

    async def find(self, token_hash: str, session: Session = None) -> StoredRefreshToken | None:
        doc = await self._tokens.find_one({"token_hash": token_hash}, session=session)
        if doc is None:
            return None
        return StoredRefreshToken(doc["token_hash"], doc["family_id"], doc["member_id"], RefreshStatus(doc["status"]),
                                  doc["created_at"], doc["expires_at"])

    async def mark_rotated(self, token_hash: str, now: datetime, session: Session = None) -> bool:
        """Retire an active token; False when it was not active any more
        (a concurrent refresh won: the caller treats it as reuse)."""
        result = await self._tokens.update_one(
            {"token_hash": token_hash, "status": RefreshStatus.ACTIVE.value},
            {"$set": {"status": RefreshStatus.ROTATED.value, "rotated_at": now}}, session=session)
        return result.modified_count == 1

    async def revoke_family(self, family_id: str, now: datetime, session: Session = None) -> int:
        result = await self._tokens.update_many(
            {"family_id": family_id, "status": {"$ne": RefreshStatus.REVOKED.value}},
            {"$set": {"status": RefreshStatus.REVOKED.value, "revoked_at": now}}, session=session)
        return result.modified_count

    async def revoke_member(self, member_id: str, now: datetime, session: Session = None) -> int:
        result = await self._tokens.update_many(
            {"member_id": member_id, "status": RefreshStatus.ACTIVE.value},
            {"$set": {"status": RefreshStatus.REVOKED.value, "revoked_at": now}}, session=session)
        return result.modified_count

    async def delete_member(self, member_id: str, session: Session = None) -> None:
        await self._tokens.delete_many({"member_id": member_id}, session=session)

    async def sessions_of(self, member_id: str) -> list[dict[str, Any]]:
        """Session metadata for a data export: never the hashes."""
        cursor = self._tokens.find({"member_id": member_id},
                                   {"_id": 0, "family_id": 1, "status": 1, "created_at": 1, "expires_at": 1})
        return [doc async for doc in cursor.sort("created_at", 1).limit(1000)]


class LoginAttemptRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._attempts = db[LOGIN_ATTEMPTS]

    async def locked_until(self, key: str) -> datetime | None:
        doc = await self._attempts.find_one({"_id": key}, {"locked_until": 1})
        return doc.get("locked_until") if doc else None

    async def count_attempt(self, key: str, now: datetime, policy: ThrottlePolicy) -> int:
        """Count one attempt in the current window, atomically (one pipeline
        update, upserted): N parallel attempts always see 1..N."""
        expired_window = {"$lt": [{"$ifNull": ["$window_started", _EPOCH]}, policy.window_start(now)]}
        lock_over = {"$and": [{"$ne": [{"$ifNull": ["$locked_until", None]}, None]},
                              {"$lte": ["$locked_until", now]}]}
        keep_until = now + timedelta(seconds=policy.window_seconds + policy.lockout_seconds)
        doc = await self._attempts.find_one_and_update({"_id": key}, [
            {"$set": {"_fresh": {"$or": [expired_window, lock_over]}}},
            {"$set": {"attempts": {"$cond": ["$_fresh", 1, {"$add": [{"$ifNull": ["$attempts", 0]}, 1]}]},
                      "window_started": {"$cond": ["$_fresh", now, "$window_started"]},
                      "locked_until": {"$cond": ["$_fresh", None, {"$ifNull": ["$locked_until", None]}]},
                      "expires_at": keep_until}},
            {"$unset": "_fresh"},
        ], upsert=True, return_document=ReturnDocument.AFTER)
        return int(doc["attempts"]) if doc else 1

    async def lock(self, key: str, until: datetime) -> datetime:
        """Lock (or keep the lock that a concurrent attempt already set)."""
        doc = await self._attempts.find_one_and_update(
            {"_id": key}, [{"$set": {"locked_until": {"$ifNull": ["$locked_until", until]},
                                     "expires_at": {"$max": ["$expires_at", until]}}}],
            return_document=ReturnDocument.AFTER)
        return doc["locked_until"] if doc and doc.get("locked_until") else until

    async def clear(self, key: str) -> None:
        await self._attempts.delete_one({"_id": key})
