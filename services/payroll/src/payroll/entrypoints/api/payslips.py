"""/api/v1/payslips: issued payslips, as data and as PDF."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.pagination import Page
from coop_shared.http.updated_since import UpdatedSince
from payroll.adapters import payslip_pdf
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.adapters.payslips_repository import PayslipRepository
from payroll.entrypoints.api.access import list_scope, require_member_record
from payroll.entrypoints.api.deps import ContextDep, PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import SalaryOut, salary_out

router = APIRouter(prefix="/api/v1/payslips", tags=["payslips"])


class PayslipOut(SalaryOut):
    id: str
    contract_id: str
    run_id: str
    member_id: str
    activity_id: str
    basis: Literal["employment", "article_1bis"]
    first_work_day: date
    last_work_day: date
    work_days: int
    due_date: date
    status: Literal["issued", "in_batch", "paid"]
    batch_id: str | None = None
    paid_on: date | None = None
    issued_at: datetime


def _out(doc: dict[str, Any]) -> PayslipOut:
    return PayslipOut(
        **salary_out(doc).model_dump(), id=doc["_id"], contract_id=doc["contract_id"], run_id=doc["run_id"],
        member_id=doc["member_id"], activity_id=doc["activity_id"], basis=doc["basis"],
        first_work_day=doc["first_work_day"], last_work_day=doc["last_work_day"], work_days=doc["work_days"],
        due_date=doc["due_date"], status=doc["status"], batch_id=doc.get("batch_id"), paid_on=doc.get("paid_on"),
        issued_at=doc["issued_at"],
    )


@router.get("", response_model=Page[PayslipOut])
async def list_payslips(principal: PersonPrincipal, runtime: RuntimeDep, page: PageDep,
                        member_id: Annotated[str | None, Query(max_length=100)] = None,
                        updated_since: UpdatedSince = None) -> Page[PayslipOut]:
    """Your payslips, newest first (an admin sees everyone's, an advisor those of a member they support)."""
    scope = await list_scope(runtime, principal, member_id)
    docs, cursor = await PayslipRepository(runtime.db).page(scope, page.limit, page.cursor, updated_since)
    return Page(items=[_out(doc) for doc in docs], next_cursor=cursor)


@router.get("/{payslip_id}", response_model=PayslipOut, responses={404: {"description": "Not found"}})
async def get_payslip(payslip_id: str, principal: PersonPrincipal, runtime: RuntimeDep) -> PayslipOut:
    doc = await require_member_record(runtime, principal, await PayslipRepository(runtime.db).get(payslip_id),
                                      "payslip_not_found", "No such payslip.")
    return _out(doc)


@router.get("/{payslip_id}/pdf", response_class=Response, responses={
    200: {"content": {"application/pdf": {}}, "description": "The payslip as a PDF"},
    404: {"description": "Not found"},
})
async def get_payslip_pdf(payslip_id: str, principal: PersonPrincipal, runtime: RuntimeDep,
                          context: ContextDep) -> Response:
    doc = await require_member_record(runtime, principal, await PayslipRepository(runtime.db).get(payslip_id),
                                      "payslip_not_found", "No such payslip.")
    member = await DirectoryRepository(runtime.db).member(doc["member_id"])
    # Rendering is CPU work: keep it off the event loop.
    pdf = await asyncio.to_thread(payslip_pdf.render, doc, member.full_name if member else "",
                                  context.settings.payment_debtor_name)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="payslip-{payslip_id}.pdf"'})
