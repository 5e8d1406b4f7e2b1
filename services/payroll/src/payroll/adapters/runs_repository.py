"""Payroll runs and the payroll calendar.

The calendar remembers up to which day payslips were issued
(``covered_until``) and which run holds the lock. A contract is declared
before its first work day, so once a run has covered day D no new contract
can ever end on or before D: the next run only has to look after D.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import Document, IndexSpec

RUNS = "payroll_runs"
CALENDAR = "payroll_calendar"
_CALENDAR_ID = "calendar"

INDEXES = [
    IndexSpec(RUNS, [("started_at", -1), ("_id", -1)], "runs_by_time"),
]



class RunInProgress(Exception):
    pass


class RunRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._runs = db[RUNS]
        self._calendar = db[CALENDAR]

    async def claim(self, run_id: str, now: datetime, lease: timedelta) -> str | None:
        """Take the run lock; returns the day covered so far. Raises RunInProgress if another run holds it."""
        try:
            doc = await self._calendar.find_one_and_update(
                {"_id": _CALENDAR_ID, "$or": [{"running": None}, {"lease_until": {"$lt": now}}]},
                {"$set": {"running": run_id, "lease_until": now + lease}},
                upsert=True, return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise RunInProgress from exc
        covered: str | None = doc.get("covered_until") if doc else None
        return covered

    async def covered_until(self) -> str | None:
        """The last day whose ended work has its payslips (None before the first run)."""
        doc = await self._calendar.find_one({"_id": _CALENDAR_ID}, {"covered_until": 1})
        return None if doc is None else doc.get("covered_until")

    async def release(self, run_id: str, covered_until: str | None) -> None:
        update: Document = {"$set": {"running": None, "lease_until": None}}
        if covered_until is not None:
            update["$max"] = {"covered_until": covered_until}
        await self._calendar.update_one({"_id": _CALENDAR_ID, "running": run_id}, update)

    async def add(self, run: Document) -> None:
        await self._runs.insert_one(run)

    async def finish(self, run_id: str, values: Document) -> None:
        await self._runs.update_one({"_id": run_id}, {"$set": values})

    async def get(self, run_id: str) -> Document | None:
        return await self._runs.find_one({"_id": run_id})

    async def page(self, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        query = after_cursor({}, "started_at", cursor)
        page = [doc async for doc in self._runs.find(query).sort(sort_spec("started_at")).limit(limit)]
        return page, next_cursor(page, limit, "started_at")
