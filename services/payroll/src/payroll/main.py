"""Payroll service: activity ledgers, salaries, the 7-day guarantee fund and payment files."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from coop_shared.clock import Clock, OffsetClock, SystemClock
from coop_shared.http.errors import error_response
from coop_shared.service import Runtime, create_service_app
from payroll.adapters import (
    batches_repository,
    contracts_repository,
    directory_repository,
    ledger_repository,
    payslips_repository,
    runs_repository,
)
from payroll.adapters.business_metrics import payroll_measures
from payroll.config import PayrollSettings
from payroll.domain.errors import DomainError, ErrorCode
from payroll.entrypoints.api import (
    accounting,
    contracts,
    guarantee_fund,
    ledger,
    payment_batches,
    payslips,
    runs,
    salary_requests,
    simulate,
)
from payroll.jobs import payroll_jobs
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.handlers import build_handlers

INDEXES = [
    *ledger_repository.INDEXES, *directory_repository.INDEXES, *contracts_repository.INDEXES,
    *payslips_repository.INDEXES, *runs_repository.INDEXES, *batches_repository.INDEXES,
]

# A rule the request broke is the caller's to fix (422); a fact booked twice is a conflict.
_STATUS = {ErrorCode.DUPLICATE_TRANSACTION.value: 409}


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(_STATUS.get(exc.code, 422), exc.code, exc.message, field=exc.field,
                          details=[exc.details] if exc.details else None)


def create_app(settings: PayrollSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """``clock``: what the use cases and the scheduled jobs read the time from (tests pass a ``FakeClock``)."""
    settings = settings or PayrollSettings()
    if clock is None and settings.clock_offset_file is not None:
        clock = OffsetClock(settings.clock_offset_file, settings.timezone)
    clock = clock or SystemClock(settings.timezone)
    context = PayrollContext(settings=settings, rules=settings.rule_book(), clock=clock,
                             chart=settings.chart_of_accounts())

    async def bootstrap(runtime: Runtime) -> PayrollContext:
        return context
    app = create_service_app(
        settings,
        measures=payroll_measures,
        title="Payroll service",
        description="Activity ledgers, salaries, the 7-day guarantee fund and payment files.",
        routers=[simulate.router, runs.router, ledger.router, salary_requests.router, contracts.router,
                 payslips.router, guarantee_fund.router, payment_batches.router, accounting.router],
        indexes=INDEXES,
        bootstrap=bootstrap,
        handlers=build_handlers,
        jobs=payroll_jobs(settings, context),
        clock=clock,
    )
    # Registered here rather than through create_service_app(domain_errors=...)
    # so the numbers behind a refusal (minimum, budget, cap) reach the caller.
    app.add_exception_handler(DomainError, _domain_error)
    # Built before start-up: the jobs are declared with it.
    app.state.context = context
    return app
