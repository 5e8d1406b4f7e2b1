"""/api/v1/salary-requests: ask to be paid for given work days from an activity you run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page
from payroll.adapters.contracts_repository import ContractRepository
from payroll.adapters.payslips_repository import PayslipRepository
from payroll.entrypoints.api.access import list_scope, require_member_record
from payroll.entrypoints.api.deps import ContextDep, PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import ContractOut, Money, SalaryOut, contract_out, salary_out
from payroll.service_layer.salary_requests import MAX_WORK_DAYS, SalaryRequest, request_salary

router = APIRouter(prefix="/api/v1/salary-requests", tags=["salary requests"])


class SalaryRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"activity_id": "3f2c8a9e-activity", "work_dates": ["2026-05-04", "2026-05-05"], "gross": "400.00"},
        {"activity_id": "3f2c8a9e-activity", "work_dates": ["2026-05-04"], "budget": "300.00"},
    ]})

    activity_id: str = Field(min_length=1, max_length=100)
    work_dates: list[date] = Field(min_length=1, max_length=MAX_WORK_DAYS)
    gross: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    budget: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2,
                                   description="Employment budget to spend (employer's total cost).")

    @model_validator(mode="after")
    def _one_amount(self) -> Self:
        if (self.gross is None) == (self.budget is None):
            raise ValueError("give exactly one of gross or budget")
        return self


class SalaryRequestOut(BaseModel):
    id: str
    status: Literal["accepted"] = "accepted"
    contract: ContractOut
    payslip: SalaryOut = Field(description="The payslip the next payroll run will issue, every step shown.")
    advance: Money = Field(description="Advanced by the guarantee fund against the activity's unpaid invoices.")
    due_date: date


def _out(doc: dict[str, Any], payslip_id: str | None = None) -> SalaryRequestOut:
    return SalaryRequestOut(id=doc["salary_request_id"], contract=contract_out(doc, payslip_id),
                            payslip=salary_out(doc["salary"]), advance=doc["advance"], due_date=doc["due_date"])


@router.post("", status_code=201, response_model=SalaryRequestOut, responses={
    404: {"description": "Not an activity you run"},
    409: {"description": "A contract already covers one of the days, or the activity is not open"},
    422: {"description": "Below the minimum gross, Dimona too late, or budget short even with the guarantee"},
})
@idempotent_route("payroll:salary-request:{principal.id}")
async def create_salary_request(body: SalaryRequestIn, principal: PersonPrincipal, runtime: RuntimeDep,
                                context: ContextDep) -> SalaryRequestOut:
    """Creates the fixed-term contract, its Dimona and commits the employer cost on the activity's ledger."""
    doc = await request_salary(runtime, context, SalaryRequest(
        member_id=principal.id, activity_id=body.activity_id, work_dates=body.work_dates,
        gross=body.gross, budget=body.budget))
    return _out(doc)


@router.get("", response_model=Page[SalaryRequestOut])
async def list_salary_requests(
    principal: PersonPrincipal, runtime: RuntimeDep, page: PageDep,
    member_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[SalaryRequestOut]:
    scope = await list_scope(runtime, principal, member_id)
    docs, cursor = await ContractRepository(runtime.db).page(scope, page.limit, page.cursor)
    return Page(items=[_out(doc) for doc in docs], next_cursor=cursor)


@router.get("/{request_id}", response_model=SalaryRequestOut, responses={404: {"description": "Not found"}})
async def get_salary_request(request_id: str, principal: PersonPrincipal, runtime: RuntimeDep) -> SalaryRequestOut:
    doc = await require_member_record(runtime, principal, await ContractRepository(runtime.db).by_salary_request(
        request_id), "salary_request_not_found", "No such salary request.")
    payslip = await PayslipRepository(runtime.db).by_contract(doc["_id"])
    return _out(doc, payslip["_id"] if payslip else None)

