"""/api/v1/payroll/runs (admin): issue every due payslip at once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page
from payroll.adapters.runs_repository import RunRepository
from payroll.entrypoints.api.deps import ContextDep, PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import Money
from payroll.service_layer.payroll_runs import run_payroll

router = APIRouter(prefix="/api/v1/payroll/runs", tags=["payroll runs"])


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"as_of": "2026-05-31"}]})

    as_of: date | None = Field(default=None, description="Issue payslips for work ended by this day (default today).")


class SkippedContract(BaseModel):
    contract_id: str
    reason: str


class RunOut(BaseModel):
    id: str
    status: Literal["running", "done", "failed"]
    as_of: date
    after: date | None = Field(description="Work ended on or before this day was covered by earlier runs.")
    payslips: int
    total_gross: Money | None = None
    total_net: Money | None = None
    total_employer_cost: Money | None = None
    skipped: list[SkippedContract] = Field(default_factory=list)
    started_at: datetime
    started_by: str
    duration_seconds: float | None = None


def _out(doc: dict[str, Any]) -> RunOut:
    return RunOut(id=doc["_id"], status=doc["status"], as_of=doc["as_of"], after=doc.get("after"),
                  payslips=doc.get("payslips", 0), total_gross=doc.get("total_gross"),
                  total_net=doc.get("total_net"), total_employer_cost=doc.get("total_employer_cost"),
                  skipped=doc.get("skipped", []), started_at=doc["started_at"], started_by=doc["started_by"],
                  duration_seconds=doc.get("duration_seconds"))


@router.post("", status_code=201, response_model=RunOut, responses={
    409: {"description": "Another run is in progress"}, 422: {"description": "as_of is in the future"}})
@idempotent_route("payroll:run")
async def start_run(admin: AdminPrincipal, runtime: RuntimeDep, context: ContextDep,
                    body: RunIn | None = None) -> RunOut:
    """Issues the payslips of every contract whose work ended by ``as_of`` and has none yet."""
    request = body or RunIn()
    record = await run_payroll(runtime, context.rules, as_of=request.as_of or context.today(),
                               today=context.today(), now=context.now(), by=admin.id,
                               chunk_size=context.settings.payroll_run_chunk_size)
    return _out(record)


@router.get("", response_model=Page[RunOut])
async def list_runs(_: AdminPrincipal, runtime: RuntimeDep, page: PageDep) -> Page[RunOut]:
    docs, cursor = await RunRepository(runtime.db).page(page.limit, page.cursor)
    return Page(items=[_out(doc) for doc in docs], next_cursor=cursor)


@router.get("/{run_id}", response_model=RunOut, responses={404: {"description": "Not found"}})
async def get_run(run_id: str, _: AdminPrincipal, runtime: RuntimeDep) -> RunOut:
    doc = await RunRepository(runtime.db).get(run_id)
    if doc is None:
        raise ApiError(404, "run_not_found", "No such payroll run.")
    return _out(doc)
