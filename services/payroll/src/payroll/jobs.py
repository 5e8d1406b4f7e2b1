"""The payroll service's scheduled jobs, declared in one place (run under the shared scheduler's lease)."""

from __future__ import annotations

import dataclasses
from typing import Any

from coop_shared.clock import Clock
from coop_shared.jobs import DailyAt, Every, Job, MonthlyOn
from coop_shared.service import JobsFactory, Runtime
from payroll.config import PayrollSettings
from payroll.service_layer.context import PayrollContext
from payroll.service_layer.month_end import month_end_run
from payroll.service_layer.salary_guarantee import keep_salary_guarantee


def payroll_jobs(settings: PayrollSettings, context: PayrollContext) -> JobsFactory:
    def build(runtime: Runtime) -> list[Job]:
        def at(clock: Clock) -> PayrollContext:
            return dataclasses.replace(context, clock=clock)

        async def guarantee(clock: Clock) -> dict[str, Any]:
            return await keep_salary_guarantee(runtime, at(clock))

        async def month_end(clock: Clock) -> dict[str, Any]:
            return await month_end_run(runtime, at(clock))

        return [
            Job("salary-guarantee", Every(settings.salary_guarantee_job_seconds, initial_delay=10), guarantee,
                description="The 7-day guarantee: issue payslips for ended work, batch every payslip in time for "
                            "its due date (bank lead time, Belgian bank holidays), alert on any at risk."),
            Job("payroll-month-end", MonthlyOn(settings.payroll_month_end_day,
                                               DailyAt.parse(settings.payroll_month_end_at).at), month_end,
                description="The month-end payroll run, once per calendar month."),
        ]

    return build
