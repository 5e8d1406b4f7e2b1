"""Payroll's business gauges: the fund's exposure and the 7-day guarantee."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from coop_shared.observability.business import (
    ACTIVITIES_WITH_ADVANCE,
    FUND_EXPOSURE_EUROS,
    PAYSLIPS_DUE_UNBATCHED,
    Measure,
)
from coop_shared.service import Runtime
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.adapters.payslips_repository import ISSUED, PAYSLIPS

# Days left before a payslip's due date (last work day + 7): 2 is the alerting threshold.
WINDOWS = (2, 7)


def payroll_measures(runtime: Runtime) -> Sequence[Measure]:
    db = runtime.db

    async def fund_exposure() -> None:
        totals, _ = await LedgerRepository(db, runtime.clock).fund_exposure(top=1)
        FUND_EXPOSURE_EUROS.set(float(Decimal(str(totals.get("outstanding_advances", 0)))))
        ACTIVITIES_WITH_ADVANCE.set(int(totals.get("activities_with_advance", 0)))

    async def payslips_due_unbatched() -> None:
        today = runtime.clock.today()
        for days in WINDOWS:
            due_by = (today + timedelta(days=days)).isoformat()
            count = await db[PAYSLIPS].count_documents({"status": ISSUED, "due_date": {"$lte": due_by}})
            PAYSLIPS_DUE_UNBATCHED.labels(str(days)).set(count)

    return (fund_exposure, payslips_due_unbatched)
