"""/api/v1/payment-batches (admin): due net salaries as a SEPA pain.001 file, then confirmed paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page
from payroll.adapters.batches_repository import BatchRepository
from payroll.domain.guarantee import SALARY_PAYMENT_DELAY
from payroll.entrypoints.api.deps import ContextDep, PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import Money
from payroll.service_layer.payment_batches import create_batch, mark_paid, pain001

router = APIRouter(prefix="/api/v1/payment-batches", tags=["payment batches"])


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"due_until": "2026-06-07", "execution_date": "2026-06-01"}]})

    due_until: date | None = Field(default=None, description="Pay every issued payslip due by this day "
                                                             "(default: today + 7 days).")
    execution_date: date | None = Field(default=None, description="Day the bank executes the transfers "
                                                                  "(default: today).")


class MarkPaidIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"paid_on": "2026-06-01"}]})

    paid_on: date | None = Field(default=None, description="Default: today.")


class PaymentOut(BaseModel):
    payslip_id: str
    member_id: str
    activity_id: str
    name: str
    iban: str
    amount: Money
    end_to_end_id: str
    due_date: date


class SkippedOut(BaseModel):
    payslip_id: str
    member_id: str
    reason: str


class BatchOut(BaseModel):
    id: str
    message_id: str = Field(description="pain.001 MsgId: the bank refuses a second file with it.")
    status: Literal["open", "paid"]
    execution_date: date
    due_until: date
    count: int
    control_sum: Money = Field(description="Sum of the transfers, as in the file's CtrlSum.")
    created_at: datetime
    paid_on: date | None = None
    payments: list[PaymentOut] | None = None
    skipped: list[SkippedOut] = Field(default_factory=list, description="Due payslips left out, and why.")


def _out(doc: dict[str, Any]) -> BatchOut:
    payments = doc.get("payments")
    return BatchOut(
        id=doc["_id"], message_id=doc["message_id"], status=doc["status"], execution_date=doc["execution_date"],
        due_until=doc["due_until"], count=doc["count"], control_sum=doc["control_sum"], created_at=doc["created_at"],
        paid_on=doc.get("paid_on"), skipped=doc.get("skipped", []),
        payments=None if payments is None else [PaymentOut(**{k: p[k] for k in PaymentOut.model_fields})
                                                for p in payments],
    )


async def _batch(runtime: RuntimeDep, batch_id: str) -> dict[str, Any]:
    doc = await BatchRepository(runtime.db).get(batch_id)
    if doc is None:
        raise ApiError(404, "batch_not_found", "No such payment batch.")
    return doc


@router.post("", status_code=201, response_model=BatchOut, responses={
    409: {"description": "The paying account is not configured"},
    422: {"description": "Nothing to pay, or an execution date in the past"}})
@idempotent_route("payroll:payment-batch")
async def create_payment_batch(admin: AdminPrincipal, runtime: RuntimeDep, context: ContextDep,
                               body: BatchIn | None = None) -> BatchOut:
    """Gathers the issued payslips due by ``due_until`` (each payslip joins one batch only)."""
    request = body or BatchIn()
    today = context.today()
    batch = await create_batch(runtime, context, due_until=request.due_until or today + SALARY_PAYMENT_DELAY,
                               execution_date=request.execution_date or today, by=admin.id)
    return _out(batch)


@router.get("", response_model=Page[BatchOut])
async def list_payment_batches(_: AdminPrincipal, runtime: RuntimeDep, page: PageDep) -> Page[BatchOut]:
    docs, cursor = await BatchRepository(runtime.db).page(page.limit, page.cursor)
    return Page(items=[_out(doc) for doc in docs], next_cursor=cursor)


@router.get("/{batch_id}", response_model=BatchOut, responses={404: {"description": "Not found"}})
async def get_payment_batch(batch_id: str, _: AdminPrincipal, runtime: RuntimeDep) -> BatchOut:
    return _out(await _batch(runtime, batch_id))


@router.get("/{batch_id}/pain001", response_class=Response, responses={
    200: {"content": {"application/xml": {}}, "description": "SEPA credit transfer, pain.001.001.03"},
    404: {"description": "Not found"}})
async def get_pain001(batch_id: str, _: AdminPrincipal, runtime: RuntimeDep, context: ContextDep) -> Response:
    """The payment order for the bank, validated against the pain.001.001.03 schema."""
    xml = pain001(context, await _batch(runtime, batch_id))
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="salaries-{batch_id}.xml"'})


@router.post("/{batch_id}/mark-paid", response_model=BatchOut, responses={
    404: {"description": "Not found"}, 409: {"description": "Already paid"}})
@idempotent_route("payroll:mark-paid:{batch_id}")
async def mark_payment_batch_paid(batch_id: str, admin: AdminPrincipal, runtime: RuntimeDep, context: ContextDep,
                                  body: MarkPaidIn | None = None) -> BatchOut:
    """The bank executed the file: books each transfer and emits one salary-paid event per payslip."""
    request = body or MarkPaidIn()
    batch = await mark_paid(runtime, context, batch_id, paid_on=request.paid_on or context.today(), by=admin.id)
    return _out(batch)

