"""The salary request use case against in-memory repositories: no database, no broker, milliseconds.

``memory_runtime`` commits the unit of work without a session and keeps the
events it published; its MongoDB client never connects, so a use case that
reached past the fakes would fail instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coop_shared.clock import FakeClock
from coop_shared.contracts.payroll import AdvanceGranted, BudgetChanged, ContractCreated, DimonaDeclared
from coop_shared.errors import Conflict
from coop_shared.testing.memory import MemoryRuntime, memory_runtime
from payroll.config import PayrollSettings
from payroll.domain.access import ActivityStatus, ActivityView, MemberView
from payroll.domain.contracts import dimona_reference
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.position import ActivityPosition, advance_source_key, salary_source_key
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.salary_requests import SalaryRequest, request_salary

from .fakes import FakeContractRepository, FakeDirectoryRepository, FakeLedgerRepository

D = Decimal
NOW = datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
MONDAY, TUESDAY = date(2026, 5, 4), date(2026, 5, 5)
COST = D("540.00")  # 400.00 gross over two days: + 25 % employer social security + 10 % other employer costs


@dataclass
class Payroll:
    runtime: MemoryRuntime
    context: PayrollContext
    contracts: FakeContractRepository
    directory: FakeDirectoryRepository
    ledger: FakeLedgerRepository


@pytest.fixture
def payroll() -> Payroll:
    settings = PayrollSettings()
    clock = FakeClock(NOW)
    contracts, directory, ledger = FakeContractRepository(), FakeDirectoryRepository(), FakeLedgerRepository()
    context = PayrollContext(settings=settings, rules=settings.rule_book(), clock=clock,
                             contracts=contracts, directory=directory, ledger=ledger)
    directory.known_members["ada"] = MemberView("ada", full_name="Ada Lovelace", iban="BE62510007547061")
    directory.known_activities["act-ada"] = ActivityView("act-ada", owner_id="ada", name="Ada's studio")
    return Payroll(memory_runtime(settings, clock), context, contracts, directory, ledger)


async def test_a_covered_salary_request_books_the_contract_the_cost_and_announces_them(payroll: Payroll) -> None:
    payroll.ledger.positions["act-ada"] = ActivityPosition("act-ada", available=D("1000.00"), sequence=3)

    document = await request_salary(payroll.runtime, payroll.context, SalaryRequest(
        "ada", "act-ada", [TUESDAY, MONDAY], gross=D("400.00")))

    contract_id = document["_id"]
    assert payroll.contracts.contracts == {contract_id: document}
    assert payroll.contracts.days == {"ada:2026-05-04": contract_id, "ada:2026-05-05": contract_id}
    assert document["work_dates"] == ["2026-05-04", "2026-05-05"] and document["basis"] == "employment"
    assert document["salary"]["employment_budget"] == COST and document["advance"] == 0
    assert document["due_date"] == "2026-05-12"  # 7 days after the last work day
    assert document["dimona"] == {"reference": dimona_reference(contract_id), "status": "declared",
                                  "declared_at": NOW}

    position = payroll.ledger.positions["act-ada"]
    assert (position.available, position.advance, position.sequence) == (D("1000.00") - COST, D(0), 4)
    assert list(payroll.ledger.transactions) == [salary_source_key(contract_id)]

    events = payroll.runtime.outbox.events
    assert [e.type for e in events] == [ContractCreated.event_type, DimonaDeclared.event_type,
                                        BudgetChanged.event_type]
    assert events[0].payload(ContractCreated) == ContractCreated(
        contract_id=contract_id, member_id="ada", activity_id="act-ada", basis="employment",
        first_day=MONDAY, last_day=TUESDAY, work_days=2, dimona_reference=dimona_reference(contract_id))
    assert events[1].payload(DimonaDeclared) == DimonaDeclared(
        contract_id=contract_id, member_id="ada", activity_id="act-ada", reference=dimona_reference(contract_id),
        status="declared", declared_at=NOW, first_day=MONDAY, last_day=TUESDAY)
    assert events[2].payload(BudgetChanged) == BudgetChanged(
        activity_id="act-ada", available_budget=D("460.00"), ledger_sequence=4)
    assert payroll.runtime.commits == 1


async def test_unpaid_invoices_let_the_fund_advance_what_the_budget_lacks(payroll: Payroll) -> None:
    payroll.ledger.positions["act-ada"] = ActivityPosition("act-ada", available=D("40.00"),
                                                           receivables=D("935.00"), sequence=1)

    document = await request_salary(payroll.runtime, payroll.context, SalaryRequest(
        "ada", "act-ada", [MONDAY, TUESDAY], gross=D("400.00")))

    contract_id = document["_id"]
    assert document["advance"] == D("500.00")
    position = payroll.ledger.positions["act-ada"]
    assert (position.available, position.advance) == (D(0), D("500.00"))
    assert list(payroll.ledger.transactions) == [advance_source_key(contract_id), salary_source_key(contract_id)]
    (granted,) = payroll.runtime.outbox.of_type(AdvanceGranted.event_type)
    assert granted.payload(AdvanceGranted) == AdvanceGranted(
        advance_id=advance_source_key(contract_id), activity_id="act-ada", member_id="ada", amount=D("500.00"),
        salary_request_id=document["salary_request_id"])


async def test_a_salary_the_budget_and_the_fund_cannot_cover_is_refused_and_nothing_is_booked(
        payroll: Payroll) -> None:
    before = ActivityPosition("act-ada", available=D("100.00"), receivables=D("200.00"), sequence=2)
    payroll.ledger.positions["act-ada"] = before

    with pytest.raises(DomainError) as refused:
        await request_salary(payroll.runtime, payroll.context, SalaryRequest(
            "ada", "act-ada", [MONDAY, TUESDAY], gross=D("400.00")))

    assert refused.value.code == ErrorCode.INSUFFICIENT_BUDGET
    assert refused.value.details == {"cost": "540.00", "available": "100.00", "cap": "200.00", "missing": "240.00"}
    assert payroll.contracts.contracts == {} and payroll.contracts.days == {}
    assert payroll.ledger.positions == {"act-ada": before} and payroll.ledger.transactions == {}
    assert payroll.runtime.outbox.events == [] and payroll.runtime.commits == 0


async def test_a_closed_activity_pays_no_salary(payroll: Payroll) -> None:
    payroll.directory.known_activities["act-ada"] = ActivityView("act-ada", owner_id="ada",
                                                                 status=ActivityStatus.CLOSED)
    payroll.ledger.positions["act-ada"] = ActivityPosition("act-ada", available=D("1000.00"), sequence=1)

    with pytest.raises(Conflict) as refused:
        await request_salary(payroll.runtime, payroll.context, SalaryRequest(
            "ada", "act-ada", [MONDAY], gross=D("200.00")))

    assert refused.value.code == "activity_not_open"
    assert payroll.contracts.contracts == {} and payroll.ledger.transactions == {}
    assert payroll.runtime.outbox.events == []


async def test_a_day_already_under_contract_is_refused(payroll: Payroll) -> None:
    payroll.ledger.positions["act-ada"] = ActivityPosition("act-ada", available=D("1000.00"), sequence=1)
    first = await request_salary(payroll.runtime, payroll.context, SalaryRequest(
        "ada", "act-ada", [MONDAY, TUESDAY], gross=D("400.00")))
    published = list(payroll.runtime.outbox.events)

    with pytest.raises(Conflict) as refused:
        await request_salary(payroll.runtime, payroll.context, SalaryRequest(
            "ada", "act-ada", [TUESDAY], gross=D("200.00")))

    assert refused.value.code == "work_date_taken"
    assert list(payroll.contracts.contracts) == [first["_id"]]
    assert payroll.runtime.outbox.events == published
