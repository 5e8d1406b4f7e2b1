"""/api/v1/expense-claims: receipts charged to an activity, their files, and
the advisor's decision."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.idempotency import IdempotencyKey, idempotent_route, no_fingerprint
from coop_shared.http.pagination import PageParams, page_params
from coop_shared.persistence.mongo import Document
from invoicing.domain.expenses import Receipt
from invoicing.entrypoints.api.deps import ContextDep, Expenses, once

router = APIRouter(prefix="/api/v1/expense-claims", tags=["expense claims"])
Status = Literal["draft", "submitted", "approved", "rejected"]

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Your role cannot do this (deciding needs the member's advisor or an admin)"},
    404: {"description": "Unknown claim or activity, or not yours"},
    409: {"description": "expense.not_draft, expense.not_submitted, expense.not_editable, attachment.too_many, "
                         "activity_not_open"},
    413: {"description": "attachment.too_large"},
    415: {"description": "attachment.unsupported_type (PDF, JPEG or PNG, recognised by content)"},
    422: {"description": "expense.date_outside_fiscal_year, expense.date_in_future, expense.attachment_missing, "
                         "expense.exceeds_available_budget, expense.vat_invalid..."},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExpenseClaimCreate(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "activity_id": "act-7f3c", "expense_date": "2026-03-12", "supplier": "Music Store SRL",
        "description": "Microphone cable", "amount_incl_vat": "121.00", "vat_amount": "21.00"}]})

    activity_id: str = Field(min_length=1, max_length=100)
    expense_date: date
    supplier: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    amount_incl_vat: Decimal = Field(gt=0, max_digits=15, decimal_places=2)
    vat_amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    vat_deductible_percent: Decimal = Field(default=Decimal(100), ge=0, le=100, max_digits=5, decimal_places=2,
                                            description="Share of the VAT the cooperative recovers (0 for "
                                                        "restaurant bills, 50 for car costs...).")


class RejectIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Private purchase, not for the activity."}]})

    reason: str = Field(min_length=1, max_length=1000)


class ChangesIn(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "The receipt is unreadable: scan it."}]})

    message: str = Field(min_length=1, max_length=1000)


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ExpenseClaimOut(BaseModel):
    id: str
    activity_id: str
    activity_name: str | None
    member_id: str
    status: Status
    expense_date: date
    supplier: str
    description: str | None
    amount_incl_vat: Decimal
    vat_amount: Decimal
    vat_deductible_percent: Decimal
    deductible_vat: Decimal = Field(description="Input VAT recovered: back to the activity's budget.")
    amount_charged: Decimal = Field(description="Debited from the activity on approval.")
    attachments: list[AttachmentOut]
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    review_message: str | None = Field(description="The advisor's last request for changes, if any.")
    created_at: datetime
    updated_at: datetime
    version: int


class ExpenseClaimPage(BaseModel):
    items: list[ExpenseClaimOut]
    next_cursor: str | None = None


def _out(doc: Document) -> ExpenseClaimOut:
    return ExpenseClaimOut(
        id=doc["_id"], activity_id=doc["activity_id"], activity_name=doc.get("activity_name"),
        member_id=doc["member_id"], status=doc["status"], expense_date=date.fromisoformat(doc["expense_date"]),
        supplier=doc["supplier"], description=doc.get("description"), amount_incl_vat=doc["amount_incl_vat"],
        vat_amount=doc["vat_amount"], vat_deductible_percent=doc["vat_deductible_percent"],
        deductible_vat=doc["deductible_vat"], amount_charged=doc["amount_charged"],
        attachments=[AttachmentOut(**a) for a in doc["attachments"]], submitted_at=doc.get("submitted_at"),
        decided_by=doc.get("decided_by"), decided_at=doc.get("decided_at"), reason=doc.get("reason"),
        review_message=doc.get("review_message"), created_at=doc["created_at"], updated_at=doc["updated_at"],
        version=doc["version"])


@router.post("", status_code=201, response_model=ExpenseClaimOut, responses=_ERRORS,
             summary="File a receipt against an activity (a draft until submitted)")
@idempotent_route("expenses.create:{principal.id}")
async def create_claim(body: ExpenseClaimCreate, principal: CurrentPrincipal, ctx: ContextDep,
                       expenses: Expenses) -> BaseModel:
    receipt = Receipt(body.expense_date, body.supplier, body.amount_incl_vat, body.vat_amount,
                      body.vat_deductible_percent)
    return _out(await expenses.create(principal, body.activity_id, receipt, body.description))


@router.get("", response_model=ExpenseClaimPage, summary="Expense claims you see (newest first)")
async def list_claims(principal: CurrentPrincipal, expenses: Expenses,
                      page: Annotated[PageParams, Depends(page_params)],
                      activity_id: Annotated[str | None, Query(max_length=100)] = None,
                      status: Status | None = None) -> ExpenseClaimPage:
    docs, cursor = await expenses.list(principal, {"activity_id": activity_id, "status": status}, page.limit,
                                       page.cursor)
    return ExpenseClaimPage(items=[_out(d) for d in docs], next_cursor=cursor)


@router.get("/{claim_id}", response_model=ExpenseClaimOut, responses=_ERRORS, summary="An expense claim")
async def get_claim(claim_id: str, principal: CurrentPrincipal, expenses: Expenses) -> ExpenseClaimOut:
    return _out(await expenses.get(principal, claim_id))


@router.post("/{claim_id}/submit", response_model=ExpenseClaimOut, responses=_ERRORS,
             summary="Submit for review: dated in the fiscal year, receipt attached, within the available budget")
@idempotent_route("expenses.submit:{principal.id}:{claim_id}", fingerprint=no_fingerprint)
async def submit(claim_id: str, principal: CurrentPrincipal, ctx: ContextDep, expenses: Expenses) -> BaseModel:
    return _out(await expenses.submit(principal, claim_id))


@router.post("/{claim_id}/approve", response_model=ExpenseClaimOut, responses=_ERRORS,
             summary="Approve (the member's advisor or an admin): payroll debits the activity")
@idempotent_route("expenses.approve:{principal.id}:{claim_id}", fingerprint=no_fingerprint)
async def approve(claim_id: str, principal: CurrentPrincipal, ctx: ContextDep, expenses: Expenses) -> BaseModel:
    return _out(await expenses.approve(principal, claim_id))


@router.post("/{claim_id}/request-changes", response_model=ExpenseClaimOut, responses=_ERRORS,
             summary="Send a submitted claim back to draft with a message (the member's advisor or an admin)")
@idempotent_route("expenses.changes:{principal.id}:{claim_id}")
async def request_changes(claim_id: str, body: ChangesIn, principal: CurrentPrincipal, ctx: ContextDep,
                          expenses: Expenses) -> BaseModel:
    return _out(await expenses.request_changes(principal, claim_id, body.message))


@router.post("/{claim_id}/reject", response_model=ExpenseClaimOut, responses=_ERRORS,
             summary="Reject with a reason (the member's advisor or an admin)")
@idempotent_route("expenses.reject:{principal.id}:{claim_id}")
async def reject(claim_id: str, body: RejectIn, principal: CurrentPrincipal, ctx: ContextDep,
                 expenses: Expenses) -> BaseModel:
    return _out(await expenses.reject(principal, claim_id, body.reason))


@router.post("/{claim_id}/attachments", status_code=201, response_model=AttachmentOut, responses=_ERRORS,
             summary="Attach a receipt (PDF, JPEG or PNG; size limited) to a draft claim")
async def upload_attachment(claim_id: str, file: Annotated[UploadFile, File(description="The receipt.")],
                            principal: CurrentPrincipal, ctx: ContextDep, expenses: Expenses,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    # One byte more than allowed is enough to know it is too large.
    content = await file.read(ctx.settings.expense_attachment_max_bytes + 1)
    await file.close()

    async def run() -> tuple[int, BaseModel]:
        return 201, AttachmentOut(**await expenses.attach(principal, claim_id, file.filename, content))

    body = {"sha256": hashlib.sha256(content).hexdigest(), "filename": file.filename}
    return await once(ctx, idempotency_key, f"expenses.attach:{principal.id}:{claim_id}", body, run)


@router.get("/{claim_id}/attachments", response_model=list[AttachmentOut], responses=_ERRORS,
            summary="The files of a claim")
async def list_attachments(claim_id: str, principal: CurrentPrincipal, expenses: Expenses) -> list[AttachmentOut]:
    return [AttachmentOut(**a) for a in (await expenses.get(principal, claim_id))["attachments"]]


@router.get("/{claim_id}/attachments/{attachment_id}", response_class=Response, responses={
    200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}, **_ERRORS},
    summary="Download a file of a claim")
async def download_attachment(claim_id: str, attachment_id: str, principal: CurrentPrincipal,
                              expenses: Expenses) -> Response:
    doc = await expenses.attachment(principal, claim_id, attachment_id)
    return Response(bytes(doc["content"]), media_type=doc["content_type"], headers={
        "Content-Disposition": f'attachment; filename="{doc["filename"]}"', "X-Content-Type-Options": "nosniff"})
