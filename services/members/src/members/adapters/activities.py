"""Activities in MongoDB."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.keyset import cursor_of, keyset, sort_spec
from coop_shared.persistence.mongo import IndexSpec
from members.domain.activities import Activity, ActivityKind, ActivityStatus, Sector
from members.domain.errors import Conflict

ACTIVITIES = "activities"

INDEXES = [
    IndexSpec(ACTIVITIES, [("owner_id", 1), ("opened_at", -1), ("_id", -1)], "activities_by_owner"),
    IndexSpec(ACTIVITIES, [("co_manager_ids", 1), ("opened_at", -1)], "activities_by_co_manager"),
    IndexSpec(ACTIVITIES, [("opened_at", -1), ("_id", -1)], "activities_by_time"),
]

Session = AsyncClientSession | None


def to_document(activity: Activity) -> dict[str, Any]:
    return {
        "_id": activity.id, "name": activity.name, "sector": activity.sector.value, "owner_id": activity.owner_id,
        "kind": activity.kind.value, "co_manager_ids": list(activity.co_manager_ids),
        "budget_manager_id": activity.budget_manager_id, "status": activity.status.value,
        "opened_at": activity.opened_at, "updated_at": activity.updated_at, "closed_at": activity.closed_at,
        "version": activity.version,
    }


def from_document(doc: dict[str, Any]) -> Activity:
    return Activity(
        id=doc["_id"], name=doc["name"], sector=Sector(doc["sector"]), owner_id=doc["owner_id"],
        kind=ActivityKind(doc["kind"]), opened_at=doc["opened_at"], co_manager_ids=tuple(doc["co_manager_ids"]),
        budget_manager_id=doc.get("budget_manager_id"), status=ActivityStatus(doc["status"]),
        updated_at=doc.get("updated_at"), closed_at=doc.get("closed_at"), version=int(doc.get("version", 0)),
    )


class ActivityRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._activities = db[ACTIVITIES]

    async def add(self, activity: Activity, session: AsyncClientSession) -> None:
        await self._activities.insert_one(to_document(activity), session=session)

    async def get(self, activity_id: str, session: Session = None) -> Activity | None:
        doc = await self._activities.find_one({"_id": activity_id}, session=session)
        return from_document(doc) if doc else None

    async def save(self, activity: Activity, session: AsyncClientSession) -> None:
        doc = to_document(activity)
        doc.pop("_id")
        doc["version"] = activity.version + 1
        result = await self._activities.update_one({"_id": activity.id, "version": activity.version},
                                                   {"$set": doc}, session=session)
        if result.matched_count != 1:
            raise Conflict("concurrent_update", "The activity changed meanwhile; read it again and retry.")
        activity.version += 1

    async def owned_by(self, member_id: str, session: Session = None) -> list[Activity]:
        cursor = self._activities.find({"owner_id": member_id}, session=session).sort("opened_at", 1)
        return [from_document(doc) async for doc in cursor]

    async def involving(self, member_id: str) -> list[Activity]:
        cursor = self._activities.find({"$or": [{"owner_id": member_id}, {"co_manager_ids": member_id}]})
        return [from_document(doc) async for doc in cursor.sort("opened_at", 1)]

    async def page(self, *, limit: int, cursor: dict[str, Any] | None, manager_ids: list[str] | None,
                   status: ActivityStatus | None = None) -> tuple[list[Activity], dict[str, Any] | None]:
        """Activities owned or co-managed by any of ``manager_ids`` (None: all)."""
        query: dict[str, Any] = {}
        if manager_ids is not None:
            query["$or"] = [{"owner_id": {"$in": manager_ids}}, {"co_manager_ids": {"$in": manager_ids}}]
        if status is not None:
            query["status"] = status.value
        found = self._activities.find(keyset(query, "opened_at", cursor)).sort(sort_spec("opened_at"))
        docs = [doc async for doc in found.limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        return [from_document(d) for d in docs], (cursor_of(docs[-1], "opened_at") if more else None)
