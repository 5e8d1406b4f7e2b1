"""Copies of other services' data that invoicing needs, fed by their events.

Events arrive at least once and in no guaranteed order, so every write is
guarded: a member's or an activity's aspect is only overwritten by an event at
least as recent (envelope time) as the one that wrote it, and a budget only by
a higher ledger sequence. The documents are created on the first event that
mentions them, whichever it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document
from invoicing.adapters.indexes import ACTIVITIES_VIEW, BUDGETS_VIEW, MEMBERS_VIEW
from invoicing.domain.access import ActivityRecord, MemberRecord


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def member_record(doc: Document) -> MemberRecord:
    return MemberRecord(
        id=str(doc["_id"]),
        shares_paid=int(doc.get("shares_paid", 0)),
        standing=doc.get("in_good_standing"),
        good_standing_until=_day(doc.get("good_standing_until")),
        advisor_id=doc.get("advisor_id"),
        erased=bool(doc.get("erased", False)),
    )


def activity_record(doc: Document) -> ActivityRecord:
    return ActivityRecord(
        id=str(doc["_id"]),
        name=str(doc.get("name", "")),
        owner_id=str(doc.get("owner_id", "")),
        co_manager_ids=tuple(doc.get("co_manager_ids", ())),
        status=str(doc.get("status", "open")),
    )


class ReadModel:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._members = db[MEMBERS_VIEW]
        self._activities = db[ACTIVITIES_VIEW]
        self._budgets = db[BUDGETS_VIEW]

    # -- writes (from event handlers, inside apply_once's transaction) ------------

    @staticmethod
    async def _guarded_set(collection: Any, key: str, aspect: str, at: datetime, fields: Document,
                           session: AsyncClientSession, unset: Iterable[str] = ()) -> None:
        stamp = f"{aspect}_at"
        await collection.update_one({"_id": key}, {"$setOnInsert": {"first_seen_at": at}}, upsert=True,
                                    session=session)
        update: Document = {"$set": {**fields, stamp: at}}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        await collection.update_one(
            {"_id": key, "$or": [{stamp: {"$exists": False}}, {stamp: {"$lte": at}}]}, update, session=session)

    async def set_member(self, member_id: str, aspect: str, at: datetime, fields: Document,
                         session: AsyncClientSession, unset: Iterable[str] = ()) -> None:
        await self._guarded_set(self._members, member_id, aspect, at, fields, session, unset)

    async def set_standing(self, member_id: str, at: datetime, shares_paid: int, in_good_standing: bool | None,
                           good_standing_until: date | None, session: AsyncClientSession) -> None:
        """The members service's word on the member's standing (None from a producer older than that field)."""
        fields: Document = {"shares_paid": shares_paid}
        if in_good_standing is not None:
            fields["in_good_standing"] = in_good_standing
            fields["good_standing_until"] = None if good_standing_until is None else good_standing_until.isoformat()
        await self.set_member(member_id, "standing", at, fields, session)

    async def set_activity(self, activity_id: str, at: datetime, state: Document,
                           session: AsyncClientSession) -> None:
        await self._guarded_set(self._activities, activity_id, "state", at, state, session)

    async def set_budget(self, activity_id: str, available: Decimal, ledger_sequence: int,
                         session: AsyncClientSession) -> None:
        await self._budgets.update_one({"_id": activity_id}, {"$setOnInsert": {"ledger_sequence": -1}},
                                       upsert=True, session=session)
        await self._budgets.update_one(
            {"_id": activity_id, "ledger_sequence": {"$lt": ledger_sequence}},
            {"$set": {"available_budget": available, "ledger_sequence": ledger_sequence}}, session=session)

    # -- reads ------------------------------------------------------------------

    async def member(self, member_id: str) -> MemberRecord | None:
        doc = await self._members.find_one({"_id": member_id})
        return None if doc is None else member_record(doc)

    async def member_doc(self, member_id: str) -> Document | None:
        return await self._members.find_one({"_id": member_id})

    async def members(self, member_ids: Iterable[str]) -> list[MemberRecord]:
        return [member_record(d) async for d in self._members.find({"_id": {"$in": list(member_ids)}})]

    async def activity(self, activity_id: str) -> ActivityRecord | None:
        doc = await self._activities.find_one({"_id": activity_id, "owner_id": {"$exists": True}})
        return None if doc is None else activity_record(doc)

    async def activities_managed_by(self, member_id: str) -> list[ActivityRecord]:
        cursor = self._activities.find({"$or": [{"owner_id": member_id}, {"co_manager_ids": member_id}]})
        return [activity_record(d) async for d in cursor]

    async def activities_supported_by(self, advisor_id: str) -> list[ActivityRecord]:
        advised = [d["_id"] async for d in self._members.find({"advisor_id": advisor_id}, {"_id": 1})]
        if not advised:
            return []
        cursor = self._activities.find({"$or": [{"owner_id": {"$in": advised}},
                                                {"co_manager_ids": {"$in": advised}}]})
        return [activity_record(d) async for d in cursor]

    async def budget(self, activity_id: str) -> tuple[Decimal, int] | None:
        doc = await self._budgets.find_one({"_id": activity_id, "available_budget": {"$exists": True}})
        return None if doc is None else (doc["available_budget"], int(doc["ledger_sequence"]))
