"""Fixed-term contracts (one per salary request, with its Dimona) and the days they book.

``contract_days`` holds one document per (member, work day): its unique
``_id`` is the rule "a person has at most one contract on a given day",
enforced by the database even when two requests race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import Document, IndexSpec

CONTRACTS = "contracts"
CONTRACT_DAYS = "contract_days"

INDEXES = [
    IndexSpec(CONTRACTS, [("salary_request_id", 1)], "contracts_salary_request_unique", unique=True),
    IndexSpec(CONTRACTS, [("member_id", 1), ("created_at", -1), ("_id", -1)], "contracts_by_member"),
    IndexSpec(CONTRACTS, [("created_at", -1), ("_id", -1)], "contracts_by_time"),
    # The payroll run reads contracts by the last day of work.
    IndexSpec(CONTRACTS, [("last_work_day", 1), ("_id", 1)], "contracts_by_last_work_day"),
]


# What a payroll run needs of a contract (and no more: 20,000 of them are read at once).
RUN_PROJECTION = {
    "member_id": 1, "activity_id": 1, "basis": 1, "first_work_day": 1, "last_work_day": 1, "work_days": 1,
    "work_dates": 1, "due_date": 1, "salary.gross": 1, "salary.employment_budget": 1,
    "salary.periods.first_work_day": 1, "salary.periods.last_work_day": 1, "salary.periods.gross": 1,
}


def day_key(member_id: str, day: date) -> str:
    return f"{member_id}:{day.isoformat()}"


class ContractRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._contracts = db[CONTRACTS]
        self._days = db[CONTRACT_DAYS]

    async def add(self, contract: Document, session: AsyncClientSession) -> None:
        """Book the days first: a day already taken raises DuplicateKeyError and nothing is written."""
        member_id = contract["member_id"]
        await self._days.insert_many(
            [{"_id": day_key(member_id, date.fromisoformat(d)), "contract_id": contract["_id"]}
             for d in contract["work_dates"]],
            ordered=True, session=session,
        )
        await self._contracts.insert_one(contract, session=session)

    async def taken_days(self, member_id: str, days: Sequence[date]) -> list[str]:
        keys = [day_key(member_id, d) for d in days]
        found: list[str] = [doc["_id"].split(":", 1)[1] async for doc in self._days.find({"_id": {"$in": keys}})]
        return sorted(found)

    async def get(self, contract_id: str) -> Document | None:
        return await self._contracts.find_one({"_id": contract_id})

    async def by_salary_request(self, request_id: str) -> Document | None:
        return await self._contracts.find_one({"salary_request_id": request_id})

    async def page(self, member_id: str | None, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        query = after_cursor({} if member_id is None else {"member_id": member_id}, "created_at", cursor)
        page = [doc async for doc in self._contracts.find(query).sort(sort_spec("created_at")).limit(limit)]
        return page, next_cursor(page, limit, "created_at")

    async def ended_between(self, after: str | None, until: str) -> list[Document]:
        """Contracts whose last work day is in (after, until], in a stable order."""
        bounds: Document = {"$lte": until}
        if after is not None:
            bounds["$gt"] = after
        cursor = self._contracts.find({"last_work_day": bounds}, RUN_PROJECTION).sort(
            [("last_work_day", 1), ("_id", 1)])
        return [doc async for doc in cursor]
