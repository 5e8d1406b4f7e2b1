"""The 7-day guarantee, kept by a scheduled job: payslips are issued for work
that has ended, and every payslip whose due date (last work day + 7) comes
close is put in a payment batch early enough for the bank to execute it by
then (lead time in bank business days, Belgian bank holidays as data). A
payslip that cannot make it raises ``payroll.salary.at_risk.v1``, once per
payslip and reason.

Idempotent and safe in several replicas: a payslip joins one batch at most
(claimed in the batch's transaction), a payroll run holds the calendar lock,
an alert is a document under a unique key written with its event.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.contracts.payroll import SalaryAtRisk
from coop_shared.errors import Conflict, InvalidValue
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import Document
from coop_shared.service import Runtime
from payroll.adapters.contracts_repository import ContractRepository
from payroll.adapters.payslips_repository import PayslipRepository
from payroll.adapters.runs_repository import RunRepository
from payroll.domain.bank_calendar import BankCalendar, PaymentDeadlines
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.payment_batches import create_batch
from payroll.service_layer.payroll_runs import run_payroll

ALERTS = "salary_alerts"
BY = "scheduler:salary-guarantee"
log = get_logger("payroll.guarantee")


@lru_cache(maxsize=8)
def _calendar(year: int, extra: tuple[date, ...]) -> BankCalendar:
    return BankCalendar.belgian([year - 1, year, year + 1], extra)


def deadlines_of(context: PayrollContext, today: date) -> PaymentDeadlines:
    calendar = _calendar(today.year, tuple(sorted(context.settings.bank_extra_holidays)))
    return PaymentDeadlines(calendar, context.settings.payment_lead_business_days)


async def keep_salary_guarantee(runtime: Runtime, context: PayrollContext) -> dict[str, Any]:
    today = context.today()
    issued = await _issue_ended_work(runtime, context, today)
    deadlines = deadlines_of(context, today)
    due_until = deadlines.due_until(today)
    payslips = PayslipRepository(runtime.db)
    summary: dict[str, Any] = {"today": today.isoformat(), "due_until": due_until.isoformat(),
                               "payslips_issued": issued, "batch_id": None,
                               "batched": 0, "alerts": 0}
    if not await payslips.payable(due_until, 1):
        return summary
    execution = deadlines.earliest_execution(today)
    try:
        batch = await create_batch(runtime, context, due_until=due_until, execution_date=execution, by=BY)
    except InvalidValue as exc:
        if exc.code != "nothing_to_pay":
            raise
        skipped = exc.details or []
        late: list[Document] = []
    else:
        summary.update(batch_id=batch["_id"], batched=batch["count"], execution_date=execution.isoformat())
        skipped = batch["skipped"]
        late = [p for p in batch["payments"] if not deadlines.in_time(today, date.fromisoformat(p["due_date"]))]
    for payment in late:
        summary["alerts"] += await _alert(runtime, payment["payslip_id"], deadlines, "bank_cannot_execute_in_time",
                                          f"batched on {today.isoformat()}, executed {execution.isoformat()}")
    for entry in skipped:
        summary["alerts"] += await _alert(runtime, entry["payslip_id"], deadlines, "no_usable_bank_account",
                                          entry["reason"])
    return summary


async def _issue_ended_work(runtime: Runtime, context: PayrollContext, today: date) -> int:
    """Payslips for every contract whose work ended by yesterday (none is issued twice)."""
    yesterday = (today - timedelta(days=1)).isoformat()
    covered = await RunRepository(runtime.db).covered_until()
    if covered is not None and covered >= yesterday:
        return 0
    if not await ContractRepository(runtime.db).ended_between(covered, yesterday):
        return 0
    try:
        record = await run_payroll(runtime, context.rules, as_of=date.fromisoformat(yesterday), today=today,
                                   now=context.now(), by=BY, chunk_size=context.settings.payroll_run_chunk_size)
    except Conflict as exc:
        if exc.code != "run_in_progress":
            raise
        return 0  # the run in progress issues them; batching goes on with what exists
    issued: int = record["payslips"]
    return issued


async def _alert(runtime: Runtime, payslip_id: str, deadlines: PaymentDeadlines, reason: str, detail: str) -> int:
    slip = await PayslipRepository(runtime.db).get(payslip_id)
    if slip is None:
        return 0
    due = date.fromisoformat(slip["due_date"])
    event = SalaryAtRisk(payslip_id=payslip_id, member_id=slip["member_id"], activity_id=slip["activity_id"],
                         due_date=due, reason=reason, detail=detail,  # type: ignore[arg-type]
                         latest_execution_date=deadlines.latest_execution(due))

    async def work(session: AsyncClientSession) -> None:
        await runtime.db[ALERTS].insert_one({"_id": f"{payslip_id}:{reason}", "payslip_id": payslip_id,
                                             "reason": reason, "detail": detail, "due_date": slip["due_date"]},
                                            session=session)
        await runtime.outbox.add([runtime.event(event, subject=slip["member_id"])], session=session)

    try:
        await runtime.commit(work)
    except DuplicateKeyError:
        return 0  # already raised for this payslip and reason
    log.warning("salary_at_risk", payslip_id=payslip_id, reason=reason, due_date=slip["due_date"])
    return 1
