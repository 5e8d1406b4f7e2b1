"""Governance's copy of other services' data, fed by their events.

- ``share_entries``: the share register lines that matter for the vote
  (members events), one document per line, keyed by the event that brought
  it so a redelivery rewrites the same document.
- ``employment_contracts``: contracts through the cooperative (payroll events).
- ``member_directory``: names for the minutes (members events); an erased
  member keeps only their id.

Dates are stored as ISO strings (``YYYY-MM-DD``): they compare in calendar
order and never meet a time zone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.mongo import Document, IndexSpec
from governance.domain.electorate import Contract, ShareEntry, ShareEntryKind

SHARE_ENTRIES = "share_entries"
CONTRACTS = "employment_contracts"
DIRECTORY = "member_directory"

INDEXES = [
    IndexSpec(SHARE_ENTRIES, [("effective_on", 1)], "share_entries_by_day"),
    IndexSpec(SHARE_ENTRIES, [("member_id", 1), ("effective_on", 1)], "share_entries_by_member"),
    IndexSpec(CONTRACTS, [("last_day", 1), ("first_day", 1)], "contracts_by_period"),
    IndexSpec(CONTRACTS, [("member_id", 1)], "contracts_by_member"),
]


class ReadModel:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._entries = db[SHARE_ENTRIES]
        self._contracts = db[CONTRACTS]
        self._directory = db[DIRECTORY]

    # -- writes (from event handlers, inside apply_once's transaction) ----------

    async def put_share_entry(self, key: str, entry: ShareEntry, category: str, event_id: str,
                              session: AsyncClientSession) -> None:
        await self._entries.replace_one(
            {"_id": key},
            {"member_id": entry.member_id, "kind": entry.kind.value, "quantity": entry.quantity,
             "category": category, "effective_on": entry.effective_on.isoformat(), "event_id": event_id},
            upsert=True, session=session)

    async def put_contract(self, contract_id: str, contract: Contract, session: AsyncClientSession) -> None:
        await self._contracts.replace_one(
            {"_id": contract_id},
            {"member_id": contract.person_id, "first_day": contract.start.isoformat(),
             "last_day": contract.end.isoformat() if contract.end else None},
            upsert=True, session=session)

    async def put_name(self, member_id: str, full_name: str | None, as_of: datetime,
                       session: AsyncClientSession) -> None:
        """Keep the newest name (events arrive in no guaranteed order); erasure is final."""
        current = await self._directory.find_one({"_id": member_id}, session=session)
        if current is not None and (current.get("erased") or current["as_of"] > as_of):
            return
        await self._directory.replace_one({"_id": member_id}, {"full_name": full_name, "as_of": as_of},
                                          upsert=True, session=session)

    async def erase(self, member_id: str, as_of: datetime, session: AsyncClientSession) -> None:
        await self._directory.replace_one({"_id": member_id}, {"full_name": None, "erased": True, "as_of": as_of},
                                          upsert=True, session=session)

    # -- reads -----------------------------------------------------------------

    async def share_entries_until(self, day: date, categories: Iterable[str]) -> AsyncIterator[ShareEntry]:
        cursor = self._entries.find({"effective_on": {"$lte": day.isoformat()}, "category": {"$in": list(categories)}},
                                    {"member_id": 1, "kind": 1, "quantity": 1, "effective_on": 1})
        async for doc in cursor:
            yield ShareEntry(doc["member_id"], ShareEntryKind(doc["kind"]), int(doc["quantity"]),
                             date.fromisoformat(doc["effective_on"]))

    async def contracts_overlapping(self, first: date, last: date) -> AsyncIterator[Contract]:
        cursor = self._contracts.find(
            {"first_day": {"$lte": last.isoformat()},
             "$or": [{"last_day": None}, {"last_day": {"$gte": first.isoformat()}}]},
            {"member_id": 1, "first_day": 1, "last_day": 1})
        async for doc in cursor:
            yield Contract(doc["member_id"], date.fromisoformat(doc["first_day"]),
                           date.fromisoformat(doc["last_day"]) if doc.get("last_day") else None)

    async def names(self, member_ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(member_ids))
        names: dict[str, str] = {}
        for start in range(0, len(wanted), 1000):
            cursor = self._directory.find({"_id": {"$in": wanted[start:start + 1000]}}, {"full_name": 1})
            async for doc in cursor:
                if doc.get("full_name"):
                    names[doc["_id"]] = doc["full_name"]
        return names
