"""/api/v1/internal-transfers: invoices between two activities, approved by the buying activity's manager."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.http.pagination import PageParams, page_params
from invoicing.entrypoints.api.deps import ContextDep, Transfers

router = APIRouter(prefix="/api/v1/internal-transfers", tags=["internal transfers"])

Status = Literal["pending", "approved", "settled", "refused", "rejected"]
_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Only the buying activity's owner or co-managers approve or reject"},
    404: {"description": "Unknown transfer, or neither activity is yours"},
    409: {"description": "insufficient_budget (the buying activity's budget is short), "
                         "internal_transfer.not_pending"},
}


class TransferOut(BaseModel):
    id: str
    status: Status = Field(description="pending → approved → settled (or refused by payroll while the buyer's "
                                       "budget is short, then approvable again); rejected by the buyer.")
    invoice_id: str
    number: str = Field(description="Internal series, e.g. INT-2026-000001.")
    seller_activity_id: str
    buyer_activity_id: str
    amount: Decimal
    approved_by: str | None = None
    rejected_by: str | None = None
    reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class TransferPage(BaseModel):
    items: list[TransferOut]
    next_cursor: str | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{"reason": "Not ordered by us."}]})

    reason: str = Field(min_length=1, max_length=1000)


def _out(doc: dict[str, Any]) -> TransferOut:
    return TransferOut(id=doc["_id"], **{k: doc.get(k) for k in TransferOut.model_fields if k != "id"})


@router.get("", response_model=TransferPage, summary="Transfers where one of your activities sells or buys")
async def list_transfers(principal: CurrentPrincipal, transfers: Transfers,
                         page: Annotated[PageParams, Depends(page_params)],
                         activity_id: Annotated[str | None, Query(max_length=100)] = None,
                         status: Status | None = None) -> TransferPage:
    docs, cursor = await transfers.list(principal, {"activity_id": activity_id, "status": status}, page.limit,
                                        page.cursor)
    return TransferPage(items=[_out(d) for d in docs], next_cursor=cursor)


@router.get("/{transfer_id}", response_model=TransferOut, responses=_ERRORS, summary="An internal transfer")
async def get_transfer(transfer_id: str, principal: CurrentPrincipal, transfers: Transfers) -> TransferOut:
    return _out(await transfers.get(principal, transfer_id))


@router.post("/{transfer_id}/approve", response_model=TransferOut, responses=_ERRORS,
             summary="Approve: payroll moves the amount from the buying activity to the selling one")
@idempotent_route("transfers.approve:{principal.id}:{transfer_id}", fingerprint=no_fingerprint)
async def approve(transfer_id: str, principal: CurrentPrincipal, ctx: ContextDep, transfers: Transfers) -> BaseModel:
    return _out(await transfers.approve(principal, transfer_id))


@router.post("/{transfer_id}/reject", response_model=TransferOut, responses=_ERRORS,
             summary="Reject: nothing moves and the internal invoice is cancelled")
@idempotent_route("transfers.reject:{principal.id}:{transfer_id}")
async def reject(transfer_id: str, body: RejectIn, principal: CurrentPrincipal, ctx: ContextDep,
                 transfers: Transfers) -> BaseModel:
    return _out(await transfers.reject(principal, transfer_id, body.reason))
