"""/api/v1/payments: payments applied to invoices, manual entries, and the
unmatched amounts advisors assign or refund."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from coop_shared.auth.dependencies import CurrentPrincipal, StaffPrincipal
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import PageParams, page_params
from coop_shared.http.updated_since import UpdatedSince
from invoicing.adapters.mappers import billing_document_from_doc
from invoicing.entrypoints.api import payment_schemas as s
from invoicing.entrypoints.api.deps import ContextDep, Payments

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Advisors and admins only"},
    404: {"description": "Unknown invoice or payment, or not one you see"},
    409: {"description": "invoice.already_paid, invoice.not_payable, unmatched.not_open, payment.exceeds_outstanding"},
    422: {"description": "Bad amount or date (payment.date_in_future, payment.exceeds_unmatched...)"},
}


@router.post("", status_code=201, response_model=s.PaymentRecordedOut, responses=_ERRORS,
             summary="Record a payment by hand (advisor or admin)",
             description="The invoice takes at most its outstanding amount; an excess is kept as an unmatched "
                         "amount to assign or refund.")
@idempotent_route("payments.manual:{principal.id}")
async def record_payment(body: s.ManualPaymentIn, principal: StaffPrincipal, ctx: ContextDep,
                         payments: Payments) -> BaseModel:
    payment, invoice, excess = await payments.record_manual(
        principal, body.invoice_id, body.amount, body.received_on, body.reference, body.note)
    return s.PaymentRecordedOut(payment=s.payment_out(payment),
                                     invoice=s.balance_out(invoice, billing_document_from_doc(invoice).outstanding),
                                     unmatched=None if excess is None else s.unmatched_out(excess))


@router.get("", response_model=s.PaymentPage, summary="Payments applied to the invoices you see (newest first)")
async def list_payments(principal: CurrentPrincipal, payments: Payments,
                        page: Annotated[PageParams, Depends(page_params)],
                        invoice_id: Annotated[str | None, Query(max_length=100)] = None,
                        activity_id: Annotated[str | None, Query(max_length=100)] = None,
                        source: Literal["bank", "manual", "assignment"] | None = None,
                        statement_id: Annotated[str | None, Query(max_length=200)] = None,
                        updated_since: UpdatedSince = None) -> s.PaymentPage:
    filters = {"invoice_id": invoice_id, "activity_id": activity_id, "source": source, "statement_id": statement_id,
               "updated_since": updated_since}
    docs, cursor = await payments.list_payments(principal, filters, page.limit, page.cursor)
    return s.PaymentPage(items=[s.payment_out(d) for d in docs], next_cursor=cursor)


@router.get("/unmatched", response_model=s.UnmatchedPage, responses=_ERRORS,
            summary="Money no invoice took: unknown references, overpayments... (advisor or admin)")
async def list_unmatched(_: StaffPrincipal, payments: Payments, page: Annotated[PageParams, Depends(page_params)],
                         status: Literal["open", "assigned", "refunded", "all"] = "open") -> s.UnmatchedPage:
    docs, cursor = await payments.list_unmatched(None if status == "all" else status, page.limit, page.cursor)
    return s.UnmatchedPage(items=[s.unmatched_out(d) for d in docs], next_cursor=cursor)


@router.get("/unmatched/{unmatched_id}", response_model=s.UnmatchedOut, responses=_ERRORS,
            summary="An unmatched amount (advisor or admin)")
async def get_unmatched(unmatched_id: str, _: StaffPrincipal, payments: Payments) -> s.UnmatchedOut:
    return s.unmatched_out(await payments.get_unmatched(unmatched_id))


@router.post("/unmatched/{unmatched_id}/assign", response_model=s.PaymentRecordedOut, responses=_ERRORS,
             summary="Apply an unmatched amount to an invoice (advisor or admin)",
             description="Without `amount`, the invoice takes as much as it still asks for; what is left stays "
                         "unmatched.")
@idempotent_route("payments.assign:{principal.id}:{unmatched_id}")
async def assign(unmatched_id: str, body: s.AssignIn, principal: StaffPrincipal, ctx: ContextDep,
                 payments: Payments) -> BaseModel:
    payment, invoice, kept = await payments.assign(principal, unmatched_id, body.invoice_id, body.amount)
    return s.PaymentRecordedOut(payment=s.payment_out(payment),
                                     invoice=s.balance_out(invoice, billing_document_from_doc(invoice).outstanding),
                                     unmatched=s.unmatched_out(kept))


@router.post("/unmatched/{unmatched_id}/refund", response_model=s.UnmatchedOut, responses=_ERRORS,
             summary="Record that what is left of an unmatched amount is returned to the payer")
@idempotent_route("payments.refund:{principal.id}:{unmatched_id}")
async def refund(unmatched_id: str, body: s.RefundIn, principal: StaffPrincipal, ctx: ContextDep,
                 payments: Payments) -> BaseModel:
    return s.unmatched_out(await payments.refund(principal, unmatched_id, body.reason))


@router.get("/{payment_id}", response_model=s.PaymentOut, responses=_ERRORS, summary="A payment")
async def get_payment(payment_id: str, principal: CurrentPrincipal, payments: Payments) -> s.PaymentOut:
    return s.payment_out(await payments.get(principal, payment_id))
