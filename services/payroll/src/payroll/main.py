"""Payroll service: Activity ledgers, salaries, the 7-day guarantee fund and payment files."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.service import create_service_app
from payroll.config import PayrollSettings


def create_app(settings: PayrollSettings | None = None) -> FastAPI:
    settings = settings or PayrollSettings()
    return create_service_app(
        settings,
        title="Payroll service",
        description="Activity ledgers, salaries, the 7-day guarantee fund and payment files.",
        handlers=lambda runtime: {},
    )
