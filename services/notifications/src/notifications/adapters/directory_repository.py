"""The copy of other services' people data this service needs to reach
people (a read model fed by events): e-mail address, language, name, and who
co-manages an activity or advises a member.

Events may arrive out of order and more than once: each change carries the
time of the event that caused it and only a newer event overwrites.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.persistence.mongo import IndexSpec
from notifications.domain.directory import DirectoryChange

MEMBERS = "directory_members"
ACTIVITIES = "directory_activities"

INDEXES = [
    IndexSpec(ACTIVITIES, [("manager_ids", 1)], "activities_by_manager"),
]


class DirectoryRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._members = db[MEMBERS]
        self._activities = db[ACTIVITIES]

    async def upsert(self, change: DirectoryChange, *, as_of: datetime) -> None:
        collection = self._members if change.collection == "member" else self._activities
        stamp = f"as_of.{change.group}"
        older = {"_id": change.id, "$or": [{stamp: {"$exists": False}}, {stamp: {"$lt": as_of}}]}
        for _ in range(3):
            result = await collection.update_one(older, {"$set": {**change.fields, stamp: as_of}})
            if result.matched_count:
                return
            try:
                await collection.insert_one({"_id": change.id, **change.fields, "as_of": {change.group: as_of}})
                return
            except DuplicateKeyError:
                # Created meanwhile (another event about the same person): judge again
                # against what is there now; no match then means a newer write won.
                continue

    async def members(self, member_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(member_ids))
        if not ids:
            return {}
        found = self._members.find({"_id": {"$in": ids}, "erased": {"$ne": True}})
        return {doc["_id"]: doc async for doc in found}

    async def erased(self, member_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(member_ids))
        if not ids:
            return set()
        return {doc["_id"] async for doc in self._members.find({"_id": {"$in": ids}, "erased": True}, {"_id": 1})}

    async def activity_managers(self, activity_id: str) -> list[str]:
        doc = await self._activities.find_one({"_id": activity_id}, {"manager_ids": 1})
        return [str(m) for m in (doc or {}).get("manager_ids", [])]

    async def advisor_of(self, member_id: str) -> str | None:
        doc = await self._members.find_one({"_id": member_id, "erased": {"$ne": True}}, {"advisor_id": 1})
        advisor = (doc or {}).get("advisor_id")
        return str(advisor) if advisor else None
