"""Members' notification preferences: one document per member."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

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

    async def delete(self, member_id: str) -> None:
        await self._preferences.delete_one({"_id": member_id})


def _from_doc(doc: dict[str, Any] | None) -> Preferences:
    if doc is None:
        return Preferences()
    disabled = set()
    for event_type, channel in doc.get("disabled", []):
        if channel in Channel._value2member_map_:
            disabled.add((str(event_type), Channel(channel)))
    return Preferences(frozenset(disabled))
