"""POST /api/v1/payroll/simulate: budget -> gross -> net, or gross -> budget and net, each step shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coop_shared.auth.dependencies import CurrentPrincipal
from payroll.domain.salary import minimum_gross, simulate
from payroll.entrypoints.api.deps import ContextDep
from payroll.entrypoints.api.schemas import Money, SalaryOut, salary_out
from payroll.service_layer.salary_requests import simulation_document

router = APIRouter(prefix="/api/v1/payroll", tags=["simulator"])


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"budget": "1350.00", "worked_days": 5, "work_date": "2026-05-04"},
        {"gross": "1000.00", "worked_days": 5},
    ]})

    gross: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    budget: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2,
                                   description="Employment budget: what the activity spends (employer's total cost).")
    worked_days: int = Field(default=1, ge=1, le=31)
    work_date: date | None = Field(default=None,
                                   description="First work day: picks the rules in force. Default: today.")

    @model_validator(mode="after")
    def _one_input(self) -> Self:
        if (self.gross is None) == (self.budget is None):
            raise ValueError("give exactly one of gross or budget")
        return self


class TaxSliceOut(BaseModel):
    lower: Money
    upper: Money | None
    rate: Decimal
    base: Money
    tax: Money


class SimulationOut(SalaryOut):
    employer_cost_factor: Decimal = Field(examples=["1.35"])
    working_days_per_month: Decimal
    monthly_equivalent_taxable: Money
    tax_slices: list[TaxSliceOut]
    monthly_equivalent_tax: Money
    minimum_gross: Money = Field(description="The least gross allowed for this number of days.")


@router.post("/simulate", response_model=SimulationOut)
async def simulate_salary(body: SimulationIn, _: CurrentPrincipal, context: ContextDep) -> SimulationOut:
    """What a budget pays net, or what a gross costs and pays: every rounded step, as a payslip would print it."""
    work_date = body.work_date or context.today()
    salary = simulate(context.rules, work_date, body.worked_days, gross=body.gross, budget=body.budget)
    base = salary_out(simulation_document(salary))
    return SimulationOut(
        **base.model_dump(),
        employer_cost_factor=salary.employer_cost_factor,
        working_days_per_month=salary.working_days_per_month,
        monthly_equivalent_taxable=salary.monthly_equivalent_taxable,
        tax_slices=[TaxSliceOut(lower=s.lower, upper=s.upper, rate=s.rate, base=s.base, tax=s.tax)
                    for s in salary.tax_slices],
        monthly_equivalent_tax=salary.monthly_equivalent_tax,
        minimum_gross=minimum_gross(body.worked_days, context.rules.for_date(work_date)),
    )

