"""Invoicing's business gauges (see coop_shared.observability.business)."""

from __future__ import annotations

from collections.abc import Sequence

from coop_shared.observability.business import INVOICES, REFUNDS_DUE, UNMATCHED_PAYMENTS, Measure
from coop_shared.service import Runtime
from invoicing.adapters.indexes import INVOICES as INVOICES_COLLECTION
from invoicing.adapters.indexes import REFUNDS, UNMATCHED

STATUSES = ("draft", "in_review", "issued", "sent", "partially_paid", "paid", "overdue", "cancelled",
            "written_off")


def invoicing_measures(runtime: Runtime) -> Sequence[Measure]:
    db = runtime.db

    async def invoices_by_status() -> None:
        cursor = await db[INVOICES_COLLECTION].aggregate([
            {"$match": {"kind": "invoice"}}, {"$group": {"_id": "$status", "count": {"$sum": 1}}}])
        counts = {row["_id"]: row["count"] async for row in cursor}
        for status in {*STATUSES, *counts}:
            INVOICES.labels(str(status)).set(counts.get(status, 0))

    async def unmatched_payments() -> None:
        UNMATCHED_PAYMENTS.set(await db[UNMATCHED].count_documents({"status": "open"}))

    async def refunds_due() -> None:
        REFUNDS_DUE.set(await db[REFUNDS].count_documents({"status": "due"}))

    return (invoices_by_status, unmatched_payments, refunds_due)
