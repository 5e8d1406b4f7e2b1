"""A member asks to be paid for work on given days from an activity they run.

In one transaction: a fixed-term contract for exactly those days (article
1bis if an arts attestation covers every day), its Dimona (which must exist
before the first work day), and the salary's full employer cost committed on
the activity's ledger, with a guarantee advance when the budget is short and
unpaid invoices cover it. The payslip itself is issued by the next payroll
run once the work is done; the request already shows every step of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.contracts.payroll import AdvanceGranted, ContractCreated, DimonaDeclared
from coop_shared.errors import Conflict, NotFound
from coop_shared.persistence.mongo import Document
from coop_shared.service import Runtime
from payroll.adapters.contracts_repository import CONTRACT_DAYS
from payroll.adapters.dates import iso_day, iso_days
from payroll.domain import payslip
from payroll.domain.access import ActivityStatus
from payroll.domain.contracts import declare_dimona, fixed_term_contract
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.guarantee import salary_due_date
from payroll.domain.position import advance_source_key, salary_committed
from payroll.domain.salary import ContractSalary, SalaryBreakdown, contract_salary
from payroll.service_layer.bookkeeping import store_outcome
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.retry import retrying

MAX_WORK_DAYS = 31


@dataclass(frozen=True)
class SalaryRequest:
    member_id: str
    activity_id: str
    work_dates: Sequence[date]
    gross: Decimal | None = None
    budget: Decimal | None = None


def _key_figures(salary: ContractSalary | SalaryBreakdown) -> Document:
    return {
        "direction": salary.direction,
        "rules_effective_from": iso_day(salary.rules_effective_from),
        "worked_days": salary.worked_days,
        "requested_budget": salary.requested_budget,
        "unused_budget": salary.unused_budget,
        "employment_budget": salary.employment_budget,
        "employer_social_security": salary.employer_social_security,
        "other_employer_costs": salary.other_employer_costs,
        "gross": salary.gross,
        "employee_social_security": salary.employee_social_security,
        "taxable": salary.taxable,
        "withholding_tax": salary.withholding_tax,
        "net": salary.net,
    }


def _line_documents(lines: Sequence[payslip.Line]) -> list[Document]:
    return [{"code": line.code, "label": line.label, "amount": line.amount, "rate": line.rate} for line in lines]


def simulation_document(salary: SalaryBreakdown) -> Document:
    """A simulated salary (one rule set, no contract yet) in the shape of a stored one."""
    return {**_key_figures(salary), "lines": _line_documents(payslip.lines(salary))}


def salary_document(salary: ContractSalary) -> Document:
    """The salary as stored on a contract or a payslip: key figures, each rule period and every printed line."""
    return {
        **_key_figures(salary),
        "periods": [{
            "rules_effective_from": iso_day(period.salary.rules_effective_from),
            "first_work_day": iso_day(period.first_work_day),
            "last_work_day": iso_day(period.last_work_day),
            "work_days": period.salary.worked_days,
            "gross": period.salary.gross,
            "employment_budget": period.salary.employment_budget,
            "withholding_tax": period.salary.withholding_tax,
            "net": period.salary.net,
        } for period in salary.periods],
        "lines": _line_documents(payslip.contract_lines(salary)),
    }


def compute_salary(context: PayrollContext, request: SalaryRequest) -> ContractSalary:
    """Each work day under the rules in force that day (a contract can span a change of rules)."""
    dates = sorted(set(request.work_dates))
    if not dates:
        raise DomainError(ErrorCode.INVALID_WORK_DATES, "at least one work date is required", "work_dates")
    if len(dates) > MAX_WORK_DAYS:
        raise DomainError(ErrorCode.INVALID_WORK_DATES,
                          f"a salary request covers at most {MAX_WORK_DAYS} work days", "work_dates")
    return contract_salary(context.rules, dates, gross=request.gross, budget=request.budget)


async def request_salary(runtime: Runtime, context: PayrollContext, request: SalaryRequest) -> Document:
    """Create the contract, its Dimona and the ledger commitment; returns the contract document."""
    salary = compute_salary(context, request)
    dates = sorted(set(request.work_dates))
    contracts = context.contract_repository(runtime)
    taken = await contracts.taken_days(request.member_id, dates)
    if taken:
        raise _days_taken(taken)
    directory = context.directory_repository(runtime)
    ledger = context.ledger_repository(runtime)
    request_id, contract_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def work(session: AsyncClientSession) -> Document:
        now = context.now()
        activity = await directory.activity(request.activity_id, session)
        if activity is None or not activity.is_managed_by(request.member_id):
            raise NotFound("activity_not_found", "No such activity among the ones you run.",
                           field="activity_id")
        if activity.status is not ActivityStatus.OPEN:
            raise Conflict("activity_not_open", f"The activity is {activity.status.value}: it pays no salaries.",
                           field="activity_id")
        member = await directory.member(request.member_id, session)
        contract = fixed_term_contract(contract_id, request.member_id, request.activity_id, dates,
                                       member.attestation if member else None)
        dimona = declare_dimona(contract, now)
        position = await ledger.position(request.activity_id, session)
        outcome = salary_committed(position, contract_id=contract_id, salary=salary, occurred_at=now,
                                   memo=f"Salary {iso_day(contract.first_work_day)}..{iso_day(contract.last_work_day)}")
        due = salary_due_date(contract.last_work_day)
        document: Document = {
            "_id": contract_id,
            "salary_request_id": request_id,
            "member_id": request.member_id,
            "activity_id": request.activity_id,
            "basis": contract.basis.value,
            "work_dates": iso_days(contract.work_dates),
            "first_work_day": iso_day(contract.first_work_day),
            "last_work_day": iso_day(contract.last_work_day),
            "work_days": contract.worked_days,
            "dimona": {"reference": dimona.reference, "status": dimona.status.value, "declared_at": now},
            "salary": salary_document(salary),
            "advance": outcome.advanced,
            "due_date": iso_day(due),
            "created_at": now,
        }
        await contracts.add(document, session)
        events = [
            runtime.event(ContractCreated(
                contract_id=contract_id, member_id=request.member_id, activity_id=request.activity_id,
                basis=contract.basis.value, first_day=contract.first_work_day, last_day=contract.last_work_day,
                work_days=contract.worked_days, dimona_reference=dimona.reference), subject=contract_id),
            runtime.event(DimonaDeclared(
                contract_id=contract_id, member_id=request.member_id, activity_id=request.activity_id,
                reference=dimona.reference, status="declared", declared_at=now,
                first_day=contract.first_work_day, last_day=contract.last_work_day), subject=contract_id),
        ]
        if outcome.advanced > 0:
            events.append(runtime.event(AdvanceGranted(
                advance_id=advance_source_key(contract_id), activity_id=request.activity_id,
                member_id=request.member_id, amount=outcome.advanced, salary_request_id=request_id),
                subject=request.activity_id))
        await store_outcome(runtime, outcome, session, events=events, occurred_at=now, ledger=ledger)
        return document

    try:
        result: Document = await retrying(lambda: runtime.commit(work))
    except DuplicateKeyError as exc:
        if CONTRACT_DAYS not in str(exc):
            raise
        raise _days_taken(await contracts.taken_days(request.member_id, dates)) from exc
    return result


def _days_taken(taken: list[str]) -> Conflict:
    return Conflict("work_date_taken",
                    f"You already have a contract on {', '.join(taken)}: one contract per person and day.",
                    field="work_dates", details=[{"dates": taken}])
