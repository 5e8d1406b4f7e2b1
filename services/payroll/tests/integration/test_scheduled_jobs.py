"""The payroll service keeps the 7-day guarantee and the month-end run itself,
with a fake clock and two replicas on one database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import FakeClock
from coop_shared.contracts.payroll import SalaryAtRisk
from coop_shared.jobs import JobBusy, Scheduler
from coop_shared.testing.fixtures import running, trust_test_key
from payroll.config import PayrollSettings
from payroll.main import create_app
from payroll.service_layer.handlers import build_handlers

from .conftest import Payroll

D = Decimal


@pytest.fixture
async def replicas(payroll_settings: PayrollSettings, signing_key: SigningKey,
                   token_for: Callable[..., dict[str, str]]) -> AsyncIterator[tuple[FakeClock, list[Payroll]]]:
    clock = FakeClock.at_local(2026, 3, 20, 9, 0)
    async with AsyncExitStack() as stack:
        replicas = []
        for _ in range(2):
            app = trust_test_key(create_app(payroll_settings, clock=clock), signing_key)
            client = await stack.enter_async_context(running(app))
            runtime = app.state.runtime
            replicas.append(Payroll(client, runtime, clock, token_for,  # type: ignore[arg-type]
                                    dict(build_handlers(runtime))))
        yield clock, replicas


def scheduler(replica: Payroll) -> Scheduler:
    assert replica.runtime.scheduler is not None
    return replica.runtime.scheduler


async def tick_everywhere(replicas: list[Payroll], times: int = 3) -> list[Any]:
    outcomes = await asyncio.gather(*(scheduler(r).tick() for r in replicas for _ in range(times)))
    return [o for batch in outcomes for o in batch]


async def test_a_payslip_is_batched_in_time_for_its_due_date_across_easter_and_a_weekend(
        replicas: tuple[FakeClock, list[Payroll]]) -> None:
    clock, (first, second) = replicas
    await first.member("ada", "Ada Lovelace", iban="BE62510007547061")
    await first.member("bob", "Bob Peeters", iban=None)  # cannot be paid by transfer: at risk
    for member in ("ada", "bob"):
        await first.activity(f"act-{member}", member)
        invoice = await first.invoice(f"inv-{member}01", f"act-{member}", member, D("3000.00"))
        await first.payment(invoice, f"pay-{member}")
        # Monday 30 March: due Monday 6 April, Easter Monday, after Good Friday (TARGET2 closed) and a weekend.
        response = await first.request_salary(member, f"act-{member}", [date(2026, 3, 30)], gross="300.00")
        assert response.status_code == 201, response.text
        assert response.json()["due_date"] == "2026-04-06"
    db = first.runtime.db
    batched_on: dict[str, str] = {}
    day = date(2026, 3, 26)
    while day <= date(2026, 4, 8):  # across the change to summer time (29 March) too
        clock.set(FakeClock.at_local(day.year, day.month, day.day, 7, 30).now())
        await tick_everywhere([first, second])
        async for batch in db.payment_batches.find({}, {"_id": 1}):
            batched_on.setdefault(batch["_id"], day.isoformat())
        day += timedelta(days=1)

    slips = {s["member_id"]: s async for s in db.payslips.find({})}
    assert slips["ada"]["due_date"] == "2026-04-06" and slips["ada"]["status"] == "in_batch"
    assert slips["ada"]["issued_at"].astimezone(clock.zone).date() == date(2026, 3, 31)  # the day after the work
    [(batch_id, on)] = batched_on.items()
    assert on == "2026-04-01"  # the last day a one-business-day lead time still pays on Thursday 2 April
    batch = await db.payment_batches.find_one({"_id": batch_id})
    assert batch is not None and batch["execution_date"] == "2026-04-02" <= slips["ada"]["due_date"]
    assert [p["payslip_id"] for p in batch["payments"]] == [slips["ada"]["_id"]]
    assert batch["created_by"] == "scheduler:salary-guarantee"
    # Bob's salary cannot be transferred: one alert, however many times the job ran.
    alerts = [e async for e in db.outbox.find({"type": SalaryAtRisk.event_type})]
    assert len(alerts) == 1
    alert = json.loads(alerts[0]["body"])["data"]
    assert (alert["payslip_id"], alert["reason"], alert["latest_execution_date"]) == (
        slips["bob"]["_id"], "no_usable_bank_account", "2026-04-02")
    assert slips["bob"]["status"] == "issued"


async def test_the_month_end_run_starts_once_per_month(replicas: tuple[FakeClock, list[Payroll]]) -> None:
    clock, payrolls = replicas
    db = payrolls[0].runtime.db

    async def month_end_runs() -> list[str]:
        return [r["as_of"] async for r in db.payroll_runs.find({"started_by": "scheduler:month-end"})]

    async def forced(replica: Payroll) -> None:
        try:
            await scheduler(replica).run_now("payroll-month-end")
        except JobBusy:
            pass  # the other replica is running it right now

    clock.set(FakeClock.at_local(2026, 4, 2, 9, 0).now())  # down on 31 March: March's run starts late, once
    await tick_everywhere(payrolls)
    assert await month_end_runs() == ["2026-04-02"]
    assert await db.payroll_month_end_runs.distinct("_id") == ["2026-03"]
    clock.set(FakeClock.at_local(2026, 4, 30, 17, 59).now())
    await tick_everywhere(payrolls)
    assert await month_end_runs() == ["2026-04-02"]
    clock.advance(minutes=2)  # 18:01 on the last day of April
    await asyncio.gather(tick_everywhere(payrolls, times=5), *(forced(r) for r in payrolls for _ in range(3)))
    clock.advance(hours=6)  # past midnight: 1 May
    await tick_everywhere(payrolls)
    assert await month_end_runs() == ["2026-04-02", "2026-04-30"]
    clock.set(FakeClock.at_local(2026, 5, 31, 18, 0).now())  # May has 31 days
    await tick_everywhere(payrolls, times=5)
    assert await month_end_runs() == ["2026-04-02", "2026-04-30", "2026-05-31"]
    assert await db.payroll_month_end_runs.distinct("_id") == ["2026-03", "2026-04", "2026-05"]
    [state] = [s for s in await scheduler(payrolls[1]).states() if s["name"] == "payroll-month-end"]
    assert state["last_outcome"] == "ok" and state["schedule"] == "monthly on day 31 at 18:00"
    assert state["next_run_at"].astimezone(clock.zone).date() == date(2026, 6, 30)
