"""/api/v1/refunds: money owed back to clients after credit notes on paid invoices."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import PageParams, page_params
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import ContextDep, Refunds
from invoicing.entrypoints.api.schemas import RefundOut, RefundPage, RefundPaidIn

router = APIRouter(prefix="/api/v1/refunds", tags=["refunds"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only an advisor or an admin records a refund as paid"},
    404: {"description": "Unknown refund, or not yours"},
    409: {"description": "refund.not_due: already paid"},
}


@router.get("", response_model=RefundPage, summary="Refunds owed to clients (newest first)",
            description="Advisors and admins see every refund; a member those of the activities they run.")
async def list_refunds(principal: CurrentPrincipal, refunds: Refunds,
                       page: Annotated[PageParams, Depends(page_params)],
                       activity_id: Annotated[str | None, Query(max_length=100)] = None,
                       invoice_id: Annotated[str | None, Query(max_length=100)] = None,
                       status: Literal["due", "paid"] | None = None) -> RefundPage:
    filters = {"activity_id": activity_id, "invoice_id": invoice_id, "status": status}
    docs, cursor = await refunds.list(principal, filters, page.limit, page.cursor)
    return RefundPage(items=[presenters.refund_out(d) for d in docs], next_cursor=cursor)


class PaymentFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"execution_date": "2026-04-03"}]})

    execution_date: date | None = Field(default=None, description="When the bank executes it; today when absent.")


_XML: dict[int | str, dict[str, Any]] = {200: {"content": {"application/xml": {}}},
                                       201: {"content": {"application/xml": {}}}}


@router.post("/payment-files", status_code=201, response_class=Response, responses={**_XML, **_ERRORS},
             summary="Pay every due refund whose client account is known: a SEPA pain.001 file (advisor or admin)",
             description="The refunds in it become paid. `X-Refund-File-Id` names the file for a new download.")
async def create_payment_file(body: PaymentFileIn, principal: CurrentPrincipal, refunds: Refunds) -> Response:
    batch = await refunds.payment_file(principal, body.execution_date)
    return _xml_file(batch, 201)


@router.get("/payment-files/{file_id}", response_class=Response, responses={**_XML, **_ERRORS},
            summary="A refund payment file again (the same message id: a bank refuses it twice)")
async def get_payment_file(file_id: str, principal: CurrentPrincipal, refunds: Refunds) -> Response:
    return _xml_file(await refunds.get_payment_file(principal, file_id), 200)


def _xml_file(batch: dict[str, Any], status: int) -> Response:
    return Response(bytes(batch["xml"]), status_code=status, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{batch["message_id"]}.xml"',
                             "X-Refund-File-Id": batch["_id"], "X-Refund-Count": str(len(batch["refund_ids"]))})


@router.get("/{refund_id}", response_model=RefundOut, responses=_ERRORS, summary="A refund")
async def get_refund(refund_id: str, principal: CurrentPrincipal, refunds: Refunds) -> RefundOut:
    return presenters.refund_out(await refunds.get(principal, refund_id))


@router.post("/{refund_id}/mark-paid", response_model=RefundOut, responses=_ERRORS,
             summary="Record that the refund left the bank (advisor or admin)")
@idempotent_route("refunds.paid:{principal.id}:{refund_id}")
async def mark_paid(refund_id: str, body: RefundPaidIn, principal: CurrentPrincipal, ctx: ContextDep,
                    refunds: Refunds) -> BaseModel:
    return presenters.refund_out(await refunds.mark_paid(principal, refund_id, body.paid_on, body.reference))
