"""The month-end payroll run, started by a scheduled job once per calendar month.

A run started late (the service was down on the day) still closes the month
it belongs to: the month whose run day is the latest one on or before today.
A marker per month (``_id`` = "YYYY-MM", unique) is written before the run
starts: of any number of replicas and retries, one starts it. A run that
fails removes its marker, so the job's retry starts it again.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from coop_shared.service import Runtime
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.payroll_runs import run_payroll

MONTH_END_RUNS = "payroll_month_end_runs"


async def month_end_run(runtime: Runtime, context: PayrollContext) -> dict[str, Any]:
    today, now = context.today(), context.now()
    month = closing_month(today, context.settings.payroll_month_end_day)
    markers = runtime.db[MONTH_END_RUNS]
    try:
        await markers.insert_one({"_id": month, "started_at": now, "as_of": today.isoformat()})
    except DuplicateKeyError:
        return {"month": month, "started": False}
    try:
        record = await run_payroll(runtime, context.rules, as_of=today, today=today, now=now,
                                   by="scheduler:month-end", chunk_size=context.settings.payroll_run_chunk_size)
    except BaseException:
        await markers.delete_one({"_id": month})
        raise
    await markers.update_one({"_id": month}, {"$set": {"run_id": record["_id"], "payslips": record["payslips"]}})
    return {"month": month, "started": True, "run_id": record["_id"], "payslips": record["payslips"]}


def closing_month(today: date, run_day: int) -> str:
    """"YYYY-MM" of the month whose run day (clamped to its length) is the latest on or before ``today``."""
    year, month = today.year, today.month
    if today.day < min(run_day, calendar.monthrange(year, month)[1]):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"
