"""Members' notification preferences: one document per member."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.preferences import Channel, Preferences

PREFERENCES = "preferences"


class PreferencesRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._preferences = db[PREFERENCES]

    async def get(self, member_id: str) -> Preferences:
        doc = await self._preferences.find_one({"_id": member_id})
        return _from_doc(doc)

    async def get_many(self, member_ids: Iterable[str]) -> dict[str, Preferences]:
        ids = sorted(set(member_ids))
        found = {doc["_id"]: _from_doc(doc) async for doc in self._preferences.find({"_id": {"$in": ids}})}
        return {member_id: found.get(member_id, Preferences()) for member_id in ids}

    async def replace(self, member_id: str, preferences: Preferences, now: datetime) -> None:
        # Only opt-outs are stored: a new event type is on for everyone by default.
        disabled = sorted([event_type, channel.value] for event_type, channel in preferences.disabled)
        await self._preferences.update_one(
            {"_id": member_id}, {"$set": {"disabled": disabled, "updated_at": now}}, upsert=True,
        )

    async def set_daily_digest(self, member_id: str, on: bool, now: datetime) -> None:
        await self._preferences.update_one(
            {"_id": member_id}, {"$set": {"daily_digest": on, "updated_at": now},
                                 "$setOnInsert": {"disabled": [], "digest_sent_until": now}}, upsert=True)

    async def digest_members(self) -> list[tuple[str, datetime | None]]:
        """Members who chose the daily digest, with the end of the period their last digest covered."""
        cursor = self._preferences.find({"daily_digest": True}, {"digest_sent_until": 1}).sort("_id", 1)
        return [(doc["_id"], doc.get("digest_sent_until")) async for doc in cursor]

    async def digest_sent(self, member_id: str, until: datetime, session: AsyncClientSession) -> None:
        await self._preferences.update_one({"_id": member_id}, {"$max": {"digest_sent_until": until}},
                                           session=session)

    async def delete(self, member_id: str) -> None:
        await self._preferences.delete_one({"_id": member_id})


def _from_doc(doc: dict[str, Any] | None) -> Preferences:
    if doc is None:
        return Preferences()
    disabled = set()
    for event_type, channel in doc.get("disabled", []):
        if channel in Channel._value2member_map_:
            disabled.add((str(event_type), Channel(channel)))
    return Preferences(frozenset(disabled), daily_digest=bool(doc.get("daily_digest", False)))
