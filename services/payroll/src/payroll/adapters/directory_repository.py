"""Payroll's copy of members and activities, fed by the members service's events.

Events arrive at least once and in no guaranteed order, so every write is
guarded by the time of the event that caused it, per aspect (profile,
advisor, attestation, activity state): an older event never overwrites a
newer one, a replay changes nothing. Erasure is final: once a member is
erased, no later-delivered update brings their personal data back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.persistence.mongo import Document, IndexSpec
from payroll.domain.access import ActivityStatus, ActivityView, MemberView
from payroll.domain.contracts import ArtsAttestation, AttestationType

MEMBERS = "directory_members"
ACTIVITIES = "directory_activities"

INDEXES = [
    IndexSpec(ACTIVITIES, [("owner_id", 1)], "activities_by_owner"),
]



def _member_from(doc: Document) -> MemberView:
    attestation = doc.get("attestation")
    return MemberView(
        member_id=doc["_id"],
        full_name=doc.get("full_name") or "",
        iban=doc.get("iban"),
        advisor_id=doc.get("advisor_id"),
        attestation=None if not attestation else ArtsAttestation(
            AttestationType(attestation["type"]),
            date.fromisoformat(attestation["valid_from"]),
            date.fromisoformat(attestation["valid_to"]),
        ),
        erased=bool(doc.get("erased", False)),
    )


def _activity_from(doc: Document) -> ActivityView:
    return ActivityView(
        activity_id=doc["_id"],
        owner_id=doc["owner_id"],
        co_manager_ids=tuple(doc.get("co_manager_ids", ())),
        name=doc.get("name", ""),
        status=ActivityStatus(doc.get("status", "open")),
    )


class DirectoryRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._members = db[MEMBERS]
        self._activities = db[ACTIVITIES]

    async def _guarded_set(self, collection: str, key: str, aspect: str, at: datetime, values: Document,
                           *, final: bool = False) -> bool:
        """Set ``values`` unless a newer event already set this aspect (or the record is erased)."""
        stamp = f"{aspect}_at"
        query: Document = {"_id": key, "$or": [{stamp: {"$lt": at}}, {stamp: None}]}
        if collection == MEMBERS and not final:
            query["erased"] = {"$ne": True}
        target = self._members if collection == MEMBERS else self._activities
        try:
            result = await target.update_one(query, {"$set": {**values, stamp: at}}, upsert=True)
        except DuplicateKeyError:
            return False  # the record exists and the guard refused: an older or repeated event
        return result.upserted_id is not None or result.modified_count > 0

    async def set_member_profile(self, member_id: str, at: datetime, *, full_name: str, iban: str | None) -> bool:
        return await self._guarded_set(MEMBERS, member_id, "profile", at, {"full_name": full_name, "iban": iban})

    async def set_advisor(self, member_id: str, at: datetime, advisor_id: str | None) -> bool:
        return await self._guarded_set(MEMBERS, member_id, "advisor", at, {"advisor_id": advisor_id})

    async def set_attestation(self, member_id: str, at: datetime, attestation: ArtsAttestation) -> bool:
        return await self._guarded_set(MEMBERS, member_id, "attestation", at, {"attestation": {
            "type": attestation.type.value, "valid_from": attestation.valid_from.isoformat(),
            "valid_to": attestation.valid_to.isoformat()}})

    async def erase_member(self, member_id: str, at: datetime) -> None:
        """Remove personal data; contracts and payslips keep the member id only (legal retention)."""
        await self._members.update_one(
            {"_id": member_id},
            {"$set": {"erased": True, "erased_at": at, "full_name": "", "iban": None, "attestation": None,
                      "advisor_id": None}},
            upsert=True,
        )

    async def set_activity(self, activity: ActivityView, at: datetime) -> bool:
        return await self._guarded_set(ACTIVITIES, activity.activity_id, "state", at, {
            "owner_id": activity.owner_id, "co_manager_ids": list(activity.co_manager_ids),
            "name": activity.name, "status": activity.status.value})

    async def member(self, member_id: str, session: AsyncClientSession | None = None) -> MemberView | None:
        doc = await self._members.find_one({"_id": member_id}, session=session)
        return None if doc is None else _member_from(doc)

    async def members(self, member_ids: Iterable[str]) -> dict[str, MemberView]:
        ids = sorted(set(member_ids))
        found: dict[str, MemberView] = {}
        for start in range(0, len(ids), 500):  # bounded $in lists
            async for doc in self._members.find({"_id": {"$in": ids[start:start + 500]}}):
                found[doc["_id"]] = _member_from(doc)
        return found

    async def activity(self, activity_id: str, session: AsyncClientSession | None = None) -> ActivityView | None:
        doc = await self._activities.find_one({"_id": activity_id, "owner_id": {"$exists": True}}, session=session)
        return None if doc is None else _activity_from(doc)
