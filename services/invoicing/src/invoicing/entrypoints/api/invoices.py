"""/api/v1/invoices: drafts, review, issue, sending, credit notes and the
legal documents (PDF with the EPC QR code, Peppol BIS 3.0 UBL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.pagination import PageParams, page_params
from invoicing.adapters.documents.from_invoice import invoice_document
from invoicing.adapters.documents.pdf import render_invoice_pdf
from invoicing.adapters.documents.ubl import render_ubl
from invoicing.domain.contribution import contribution_for, contribution_rate, price_for
from invoicing.entrypoints.api import views
from invoicing.entrypoints.api.deps import ContextDep, Dunning, IdempotencyKey, Invoices, once
from invoicing.entrypoints.api.payment_schemas import WriteOffIn
from invoicing.entrypoints.api.schemas import (
    CreditNoteIn,
    InvoiceCreate,
    InvoiceOut,
    InvoicePage,
    InvoicePatch,
    PricingOut,
    ReviewChangesIn,
)

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"])

_ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Your role cannot do this (e.g. approving needs an advisor or an admin)"},
    404: {"description": "Unknown invoice, client or activity, or not yours"},
    409: {"description": "Not allowed in this state (invoice.not_editable, invoice.invalid_transition...), "
                         "member not in good standing, activity not open"},
    422: {"description": "Bad line, unknown VAT rate, invalid reference..., with the field at fault"},
}
StatusName = Literal["draft", "in_review", "issued", "sent", "partially_paid", "paid", "cancelled", "written_off"]
F = TypeVar("F", bound=Callable[..., Any])
Money = Annotated[Decimal, Query(ge=0, max_digits=15, decimal_places=2)]


@router.get("/pricing", response_model=PricingOut, summary="Price to invoice so that labour and expenses are covered",
            description="(labour + expenses) / (1 − contribution rate), half-up to the cent.")
async def pricing(principal: CurrentPrincipal, ctx: ContextDep, labour: Money, expenses: Money = Decimal(0),
                  intra_cooperative: bool = False, on: date | None = None) -> PricingOut:
    day = on or ctx.clock.today()
    schedule = ctx.settings.contribution_schedule()
    amount = price_for(labour, expenses, day, intra_cooperative=intra_cooperative, schedule=schedule)
    contribution = contribution_for(amount, day, intra_cooperative=intra_cooperative, schedule=schedule)
    return PricingOut(labour=labour, expenses=expenses,
                      contribution_rate=contribution_rate(day, intra_cooperative=intra_cooperative, schedule=schedule),
                      amount_excl_vat=amount, contribution=contribution, activity_share=amount - contribution)


@router.post("", status_code=201, response_model=InvoiceOut, responses=_ERRORS, summary="Draft an invoice")
async def create_invoice(body: InvoiceCreate, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        doc = await invoices.create(
            principal, body.activity_id, body.client_id, [line.to_input() for line in body.lines],
            exemption_reference=body.exemption_reference, buyer_reference=body.buyer_reference,
            payment_term_days=body.payment_term_days, review_required=body.review_required)
        return 201, views.invoice_out(doc, ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.create:{principal.id}", body.model_dump(mode="json"), run)


@router.get("", response_model=InvoicePage, summary="List invoices and credit notes (newest first)")
async def list_invoices(principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                        page: Annotated[PageParams, Depends(page_params)],
                        activity_id: Annotated[str | None, Query(max_length=100)] = None,
                        client_id: Annotated[str | None, Query(max_length=100)] = None,
                        status: StatusName | None = None, kind: Literal["invoice", "credit_note"] | None = None,
                        year: Annotated[int | None, Query(ge=2000, le=9999)] = None,
                        overdue: Annotated[bool | None, Query(description="Open and past the due date.")] = None,
                        ) -> InvoicePage:
    filters = {"activity_id": activity_id, "client_id": client_id, "status": status, "kind": kind, "year": year,
               "overdue": overdue}
    docs, cursor = await invoices.list(principal, filters, page.limit, page.cursor)
    today = ctx.clock.today()
    return InvoicePage(items=[views.invoice_out(d, today) for d in docs], next_cursor=cursor)


@router.get("/{invoice_id}", response_model=InvoiceOut, responses=_ERRORS, summary="An invoice or credit note")
async def get_invoice(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep,
                      invoices: Invoices) -> InvoiceOut:
    return views.invoice_out(await invoices.get(principal, invoice_id), ctx.clock.today())


@router.patch("/{invoice_id}", response_model=InvoiceOut, responses=_ERRORS,
              summary="Edit a draft (an issued invoice is never edited)")
async def patch_invoice(invoice_id: str, body: InvoicePatch, principal: CurrentPrincipal, ctx: ContextDep,
                        invoices: Invoices) -> InvoiceOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"lines"})
    if body.lines is not None:
        changes["lines"] = [line.to_input() for line in body.lines]
    return views.invoice_out(await invoices.update(principal, invoice_id, changes), ctx.clock.today())


@router.delete("/{invoice_id}", status_code=204, responses=_ERRORS,
               summary="Delete a draft (an issued invoice is never deleted)")
async def delete_invoice(invoice_id: str, principal: CurrentPrincipal, invoices: Invoices) -> Response:
    await invoices.delete(principal, invoice_id)
    return Response(status_code=204)


def _action(name: str, summary: str) -> Callable[[F], F]:
    """``POST /{invoice_id}/<name>`` answering the invoice."""
    decorator: Callable[[F], F] = router.post(f"/{{invoice_id}}/{name}", response_model=InvoiceOut,
                                              responses=_ERRORS, summary=summary)
    return decorator


@_action("submit-for-review", "Ask the advisor to review the draft")
async def submit_for_review(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 200, views.invoice_out(await invoices.submit_for_review(principal, invoice_id), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.submit:{principal.id}:{invoice_id}", {}, run)


@_action("approve", "Approve an invoice in review (advisor of the member, or admin)")
async def approve(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 200, views.invoice_out(await invoices.approve(principal, invoice_id), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.approve:{principal.id}:{invoice_id}", {}, run)


@_action("request-changes", "Send an invoice in review back to draft (advisor of the member, or admin)")
async def request_changes(invoice_id: str, body: ReviewChangesIn, principal: CurrentPrincipal, ctx: ContextDep,
                          invoices: Invoices, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        doc = await invoices.request_changes(principal, invoice_id, body.message)
        return 200, views.invoice_out(doc, ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.changes:{principal.id}:{invoice_id}", body.model_dump(), run)


@_action("issue", "Issue: gives the next number of the year, the structured communication and the due date")
async def issue(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 200, views.invoice_out(await invoices.issue(principal, invoice_id), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.issue:{principal.id}:{invoice_id}", {}, run)


@_action("send", "Mark as sent to the client")
async def send(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
               idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 200, views.invoice_out(await invoices.send(principal, invoice_id), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.send:{principal.id}:{invoice_id}", {}, run)


@router.post("/{invoice_id}/credit-note", status_code=201, response_model=InvoiceOut, responses=_ERRORS,
             summary="Cancel an issued invoice with a credit note (UBL 381) that references it")
async def credit_note(invoice_id: str, body: CreditNoteIn, principal: CurrentPrincipal, ctx: ContextDep,
                      invoices: Invoices, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 201, views.invoice_out(await invoices.credit(principal, invoice_id, body.reason), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.credit:{principal.id}:{invoice_id}", body.model_dump(), run)


@router.post("/{invoice_id}/write-off", response_model=InvoiceOut, responses=_ERRORS,
             summary="Write off an uncollectable invoice (the member's advisor or an admin)",
             description="Only after the formal notice (409 invoice.reminders_pending before). The guarantee fund "
                         "absorbs the loss: invoicing.invoice.written_off.v1 tells payroll what was never paid.")
async def write_off(invoice_id: str, body: WriteOffIn, principal: CurrentPrincipal, ctx: ContextDep,
                    dunning: Dunning, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def run() -> tuple[int, BaseModel]:
        return 200, views.invoice_out(await dunning.write_off(principal, invoice_id, body.reason), ctx.clock.today())

    return await once(ctx, idempotency_key, f"invoices.write-off:{principal.id}:{invoice_id}", body.model_dump(),
                      run)


@router.get("/{invoice_id}/pdf", responses={200: {"content": {"application/pdf": {}}}, **_ERRORS},
            response_class=Response, summary="The printable invoice or credit note, with the EPC QR code")
async def pdf(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> Response:
    doc = await invoices.issued(principal, invoice_id)
    document, _ = invoice_document(doc, ctx.seller)
    content = await run_in_threadpool(render_invoice_pdf, document)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{doc["number"]}.pdf"'})


@router.get("/{invoice_id}/ubl", responses={200: {"content": {"application/xml": {}}}, **_ERRORS},
            response_class=Response, summary="The Peppol BIS Billing 3.0 UBL document",
            description="`X-Peppol-Routable: false` when the client has no Peppol id (a private person, a "
                        "company outside the network): the file is then a structured copy addressed to the "
                        "cooperative itself.")
async def ubl(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> Response:
    doc = await invoices.issued(principal, invoice_id)
    document, routable = invoice_document(doc, ctx.seller)
    content = await run_in_threadpool(render_ubl, document)
    return Response(content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{doc["number"]}.xml"',
                             "X-Peppol-Routable": "true" if routable else "false"})
