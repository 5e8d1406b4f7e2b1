"""Payslips: one per contract (unique index), issued by payroll runs, paid through payment batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.persistence.changes import changed_since
from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import Document, IndexSpec

PAYSLIPS = "payslips"
ISSUED, IN_BATCH, PAID = "issued", "in_batch", "paid"

INDEXES = [
    IndexSpec(PAYSLIPS, [("contract_id", 1)], "payslips_contract_unique", unique=True),
    IndexSpec(PAYSLIPS, [("member_id", 1), ("issued_at", -1), ("_id", -1)], "payslips_by_member"),
    IndexSpec(PAYSLIPS, [("issued_at", -1), ("_id", -1)], "payslips_by_time"),
    IndexSpec(PAYSLIPS, [("status", 1), ("due_date", 1), ("_id", 1)], "payslips_due"),
    IndexSpec(PAYSLIPS, [("batch_id", 1)], "payslips_by_batch"),
    IndexSpec(PAYSLIPS, [("last_work_day", 1)], "payslips_by_last_work_day"),
]



class PayslipRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._payslips = db[PAYSLIPS]

    async def add_many(self, payslips: Sequence[Document], session: AsyncClientSession) -> None:
        if payslips:
            await self._payslips.insert_many(list(payslips), ordered=False, session=session)

    async def contracts_done_between(self, after: str | None, until: str) -> set[str]:
        """Contract ids that already have a payslip, for a run window (a resumed run skips them)."""
        bounds: Document = {"$lte": until}
        if after is not None:
            bounds["$gt"] = after
        return {doc["contract_id"] async for doc in self._payslips.find({"last_work_day": bounds}, {"contract_id": 1})}

    async def get(self, payslip_id: str) -> Document | None:
        return await self._payslips.find_one({"_id": payslip_id})

    async def by_contract(self, contract_id: str) -> Document | None:
        return await self._payslips.find_one({"contract_id": contract_id}, {"_id": 1, "status": 1})

    async def page(self, member_id: str | None, limit: int, cursor: str | None,
                   updated_since: datetime | None = None) -> tuple[list[Document], str | None]:
        scope = changed_since({} if member_id is None else {"member_id": member_id}, updated_since, "issued_at")
        query = after_cursor(scope, "issued_at", cursor)
        page = [doc async for doc in self._payslips.find(query).sort(sort_spec("issued_at")).limit(limit)]
        return page, next_cursor(page, limit, "issued_at")

    async def payable(self, due_until: date, limit: int) -> list[Document]:
        """Issued payslips not yet in a batch, due first."""
        cursor = self._payslips.find(
            # Due on or before ``due_until``, written as "before the next day" (ISO dates sort as text).
            {"status": ISSUED, "due_date": {"$lt": (due_until + timedelta(days=1)).isoformat()}},
            {"member_id": 1, "activity_id": 1, "net": 1, "due_date": 1, "first_work_day": 1, "last_work_day": 1},
        ).sort([("due_date", 1), ("_id", 1)]).limit(limit)
        return [doc async for doc in cursor]

    async def put_in_batch(self, payslip_ids: Sequence[str], batch_id: str, at: datetime,
                           session: AsyncClientSession) -> int:
        """Claim payslips for a batch; returns how many were still free (the caller aborts if not all)."""
        if not payslip_ids:
            return 0
        result = await self._payslips.bulk_write(
            [UpdateOne({"_id": pid, "status": ISSUED},
                       {"$set": {"status": IN_BATCH, "batch_id": batch_id, "updated_at": at}}) for pid in payslip_ids],
            ordered=False, session=session,
        )
        return result.modified_count

    async def mark_batch_paid(self, batch_id: str, paid_on: date, at: datetime, session: AsyncClientSession) -> int:
        result = await self._payslips.update_many(
            {"batch_id": batch_id, "status": IN_BATCH},
            {"$set": {"status": PAID, "paid_on": paid_on.isoformat(), "paid_at": at, "updated_at": at}},
            session=session,
        )
        return result.modified_count
