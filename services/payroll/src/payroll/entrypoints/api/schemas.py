"""Response schemas shared by several routers. Amounts are EUR decimal strings ("1234.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Decimal


class LineOut(BaseModel):
    code: str = Field(examples=["employer_social_security"])
    label: str = Field(examples=["Employer social security"])
    amount: Money = Field(examples=["250.00"])
    rate: Decimal | None = Field(default=None, examples=["0.25"])


class SalaryPeriodOut(BaseModel):
    """The work days that fall under one rule set, and what they are paid under it."""

    rules_effective_from: date
    first_work_day: date
    last_work_day: date
    work_days: int
    gross: Money
    employment_budget: Money
    withholding_tax: Money
    net: Money


class SalaryOut(BaseModel):
    """Every step from the employment budget to the net pay; ``lines`` is the payslip as printed.

    ``periods`` has one entry per rule set the work days fall under: two when
    the rates changed during the contract, each day computed under its own.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "direction": "from_gross", "rules_effective_from": "2026-01-01", "worked_days": 5,
        "requested_budget": None, "unused_budget": "0.00", "employment_budget": "1350.00",
        "employer_social_security": "250.00", "other_employer_costs": "100.00", "gross": "1000.00",
        "employee_social_security": "130.70", "taxable": "869.30", "withholding_tax": "109.15", "net": "760.15",
        "lines": [{"code": "gross", "label": "Gross salary", "amount": "1000.00", "rate": None}],
    }]})

    direction: Literal["from_gross", "from_budget"]
    rules_effective_from: date
    worked_days: int
    requested_budget: Money | None = None
    unused_budget: Money
    employment_budget: Money
    employer_social_security: Money
    other_employer_costs: Money
    gross: Money
    employee_social_security: Money
    taxable: Money
    withholding_tax: Money
    net: Money
    periods: list[SalaryPeriodOut] = Field(default_factory=list)
    lines: list[LineOut]


def salary_out(salary: dict[str, Any]) -> SalaryOut:
    return SalaryOut.model_validate({k: v for k, v in salary.items() if k in SalaryOut.model_fields})


class DimonaOut(BaseModel):
    reference: str = Field(examples=["DIM-000123456789"])
    status: Literal["declared"]
    declared_at: datetime


class ContractOut(BaseModel):
    id: str
    salary_request_id: str
    member_id: str
    activity_id: str
    basis: Literal["employment", "article_1bis"]
    work_dates: list[date]
    first_work_day: date
    last_work_day: date
    work_days: int
    dimona: DimonaOut
    gross: Money
    employment_budget: Money
    net: Money
    advance: Money = Field(description="What the guarantee fund advanced so this salary is paid on time.")
    due_date: date = Field(description="The net salary is paid at the latest on this day (7 days after the work).")
    created_at: datetime
    payslip_id: str | None = Field(default=None, description="Set once a payroll run has issued the payslip.")


def contract_out(doc: dict[str, Any], payslip_id: str | None = None) -> ContractOut:
    salary = doc["salary"]
    return ContractOut(
        id=doc["_id"], salary_request_id=doc["salary_request_id"], member_id=doc["member_id"],
        activity_id=doc["activity_id"], basis=doc["basis"], work_dates=doc["work_dates"],
        first_work_day=doc["first_work_day"], last_work_day=doc["last_work_day"], work_days=doc["work_days"],
        dimona=DimonaOut(**doc["dimona"]), gross=salary["gross"], employment_budget=salary["employment_budget"],
        net=salary["net"], advance=doc["advance"], due_date=doc["due_date"], created_at=doc["created_at"],
        payslip_id=payslip_id,
    )
