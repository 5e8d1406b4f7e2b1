"""The payroll run: issue the payslips of every contract whose work is done, all at once.

Built for the month end (20,000 workers in one go): one indexed read for
all the contracts in the window, the computation in memory, then a few
bulk writes per chunk (``insert_many`` of the payslips and of their
events, in one transaction per chunk); no round trip per payslip.

Each contract gets one payslip (unique index), so a run that stopped half
way is simply run again: it skips the contracts already done.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.payroll import PayslipIssued
from coop_shared.errors import Conflict, InvalidValue
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.mongo import Document
from coop_shared.service import Runtime
from payroll.adapters.contracts_repository import ContractRepository
from payroll.adapters.payslips_repository import ISSUED, PayslipRepository
from payroll.adapters.runs_repository import RunInProgress, RunRepository
from payroll.domain.money import ZERO
from payroll.domain.rules import PayrollRules, RuleBook
from payroll.domain.salary import salary_of_periods
from payroll.service_layer.salary_requests import salary_document

LEASE = timedelta(minutes=15)


def issue_payslip(contract: Document, rules: RuleBook, run_id: str, now: datetime) -> Document:
    """The payslip of one contract, each period recomputed from its gross under the rules of its days.

    The employer cost was committed on the ledger when the salary was
    requested; recomputing it must give the same cent, or rules were changed
    after the fact (a dated rule set must never be edited once used).
    """
    salary = salary_of_periods(_rule_periods(contract, rules))
    if salary.employment_budget != contract["salary"]["employment_budget"]:
        raise ValueError(f"contract {contract['_id']}: the employer cost no longer matches the booked one")
    document = salary_document(salary)
    document.update({
        "_id": str(uuid.uuid4()),
        "contract_id": contract["_id"],
        "run_id": run_id,
        "member_id": contract["member_id"],
        "activity_id": contract["activity_id"],
        "basis": contract["basis"],
        "first_work_day": contract["first_work_day"],
        "last_work_day": contract["last_work_day"],
        "work_days": contract["work_days"],
        "due_date": contract["due_date"],
        "status": ISSUED,
        "batch_id": None,
        "paid_on": None,
        "issued_at": now,
        "updated_at": now,
    })
    return document


def _rule_periods(contract: Document, rules: RuleBook) -> list[tuple[PayrollRules, list[date], Decimal]]:
    """Each stored period's rules, days and gross. A period keeps only its first and last day: its days are
    the contract's in between. A contract stored before periods existed is one period under the rules of its
    first work day, as it was computed then."""
    days = [date.fromisoformat(d) for d in contract["work_dates"]]
    periods = contract["salary"].get("periods")
    if not periods:
        return [(rules.for_date(days[0]), days, contract["salary"]["gross"])]
    spans = [(date.fromisoformat(p["first_work_day"]), date.fromisoformat(p["last_work_day"]), p["gross"])
             for p in periods]
    return [(rules.for_date(first), [d for d in days if first <= d <= last], gross) for first, last, gross in spans]


def payslip_event(runtime: Runtime, payslip: Document) -> Envelope:
    return runtime.event(PayslipIssued(
        payslip_id=payslip["_id"], contract_id=payslip["contract_id"], member_id=payslip["member_id"],
        activity_id=payslip["activity_id"], gross=payslip["gross"], net=payslip["net"],
        employer_cost=payslip["employment_budget"], due_date=date.fromisoformat(payslip["due_date"]),
    ), subject=payslip["member_id"])


async def run_payroll(
    runtime: Runtime, rules: RuleBook, *, as_of: date, today: date, now: datetime, by: str, chunk_size: int = 1000,
) -> Document:
    """Issue every payslip due up to ``as_of``; returns the run's record."""
    if as_of > today:
        raise InvalidValue("as_of_in_future", "Payslips are issued once the work is done: as_of cannot be after "
                       "today.", field="as_of")
    runs = RunRepository(runtime.db)
    run_id = str(uuid.uuid4())
    try:
        covered = await runs.claim(run_id, now, LEASE)
    except RunInProgress:
        raise Conflict("run_in_progress", "Another payroll run is in progress; try again when it ends.") from None
    started = time.perf_counter()
    record: Document = {"_id": run_id, "as_of": as_of.isoformat(), "after": covered, "status": "running",
                        "started_at": now, "started_by": by, "payslips": 0, "skipped": []}
    await runs.add(record)
    try:
        issued, totals, skipped = await _issue(runtime, rules, run_id, covered, as_of.isoformat(), now, chunk_size)
    except BaseException:
        await runs.finish(run_id, {"status": "failed"})
        await runs.release(run_id, None)
        raise
    record.update({
        "status": "done", "payslips": issued, "skipped": skipped, **totals,
        "finished_at": now, "duration_seconds": round(time.perf_counter() - started, 3),
    })
    await runs.finish(run_id, {k: v for k, v in record.items() if k != "_id"})
    await runs.release(run_id, as_of.isoformat())
    return record


async def _issue(runtime: Runtime, rules: RuleBook, run_id: str, after: str | None, until: str, now: datetime,
                 chunk_size: int) -> tuple[int, Document, list[Document]]:
    totals: Document = {"total_gross": ZERO, "total_net": ZERO, "total_employer_cost": ZERO}
    if after is not None and after >= until:
        return 0, totals, []
    contracts = await ContractRepository(runtime.db).ended_between(after, until)
    payslips = PayslipRepository(runtime.db)
    done = await payslips.contracts_done_between(after, until) if contracts else set()
    issued = 0
    skipped: list[Document] = []
    todo = [c for c in contracts if c["_id"] not in done]
    for start in range(0, len(todo), chunk_size):
        documents: list[Document] = []
        for contract in todo[start:start + chunk_size]:
            try:
                documents.append(issue_payslip(contract, rules, run_id, now))
            except ValueError as error:  # reported on the run, never silently "fixed"
                skipped.append({"contract_id": contract["_id"], "reason": str(error)})
        await _commit_chunk(runtime, payslips, documents)
        issued += len(documents)
        for name, field in (("total_gross", "gross"), ("total_net", "net"), ("total_employer_cost",
                                                                              "employment_budget")):
            totals[name] += sum((d[field] for d in documents), Decimal(0))
    return issued, totals, skipped


async def _commit_chunk(runtime: Runtime, payslips: PayslipRepository, documents: Sequence[Document]) -> None:
    if not documents:
        return
    events = [payslip_event(runtime, d) for d in documents]

    async def work(session: AsyncClientSession) -> None:
        await payslips.add_many(documents, session)
        await runtime.outbox.add(events, session=session)

    await runtime.commit(work)
