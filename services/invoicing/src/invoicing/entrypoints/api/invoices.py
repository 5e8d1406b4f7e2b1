"""/api/v1/invoices: drafts, review, issue, sending, credit notes and the
legal documents (PDF with the EPC QR code, Peppol BIS 3.0 UBL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.errors import Conflict
from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.http.pagination import PageParams, page_params
from coop_shared.http.updated_since import UpdatedSince
from invoicing.adapters.documents.from_invoice import invoice_document
from invoicing.domain.contribution import contribution_for, contribution_rate, price_for
from invoicing.domain.errors import DomainValidationError
from invoicing.domain.invoice import CreditLine
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import ContextDep, Invoices, Reminders
from invoicing.entrypoints.api.payment_schemas import WriteOffIn
from invoicing.entrypoints.api.schemas import (
    ClientLinkOut,
    CreditNoteIn,
    InvoiceCreate,
    InvoiceOut,
    InvoicePage,
    InvoicePatch,
    PricingOut,
    ReviewChangesIn,
)
from invoicing.service_layer.context import Context
from invoicing.service_layer.issued_files import IssuedFiles
from invoicing.service_layer.sendings import Sendings

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
@idempotent_route("invoices.create:{principal.id}")
async def create_invoice(body: InvoiceCreate, principal: CurrentPrincipal, ctx: ContextDep,
                         invoices: Invoices) -> BaseModel:
    doc = await invoices.create(
        principal, body.activity_id, body.client_id, [line.to_input() for line in body.lines],
        exemption_reference=body.exemption_reference, buyer_reference=body.buyer_reference,
        payment_term_days=body.payment_term_days, review_required=body.review_required,
        supply={"supply_date": body.supply_date, "supply_type": body.supply_type,
                "service_period": None if body.service_period is None else body.service_period.model_dump()})
    return presenters.invoice_out(doc, ctx.clock.today())


@router.get("", response_model=InvoicePage, summary="List invoices and credit notes (newest first)")
async def list_invoices(principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices,
                        page: Annotated[PageParams, Depends(page_params)],
                        activity_id: Annotated[str | None, Query(max_length=100)] = None,
                        client_id: Annotated[str | None, Query(max_length=100)] = None,
                        status: StatusName | None = None, kind: Literal["invoice", "credit_note"] | None = None,
                        number: Annotated[str | None, Query(
                            max_length=40, pattern=r"^[0-9A-Za-z-]+$",
                            description="An issued document's number, e.g. 2026-000012.")] = None,
                        year: Annotated[int | None, Query(ge=2000, le=9999)] = None,
                        overdue: Annotated[bool | None, Query(description="Open and past the due date.")] = None,
                        updated_since: UpdatedSince = None) -> InvoicePage:
    filters = {"activity_id": activity_id, "client_id": client_id, "status": status, "kind": kind, "year": year,
               "number": number, "overdue": overdue, "updated_since": updated_since}
    docs, cursor = await invoices.list(principal, filters, page.limit, page.cursor)
    today = ctx.clock.today()
    return InvoicePage(items=[presenters.invoice_out(d, today) for d in docs], next_cursor=cursor)


@router.get("/{invoice_id}", response_model=InvoiceOut, responses=_ERRORS, summary="An invoice or credit note")
async def get_invoice(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep,
                      invoices: Invoices) -> InvoiceOut:
    return await full_view(ctx, await invoices.get(principal, invoice_id))


async def full_view(ctx: Context, doc: dict[str, Any]) -> InvoiceOut:
    """The invoice with its stored files and its sendings."""
    return presenters.invoice_out(doc, ctx.clock.today(), files=await IssuedFiles(ctx).summaries(doc["_id"]),
                             sendings=await Sendings(ctx).of_subject(doc["_id"]),
                             peppol=await ctx.peppol_transmissions.get(doc["_id"]))


@router.patch("/{invoice_id}", response_model=InvoiceOut, responses=_ERRORS,
              summary="Edit a draft (an issued invoice is never edited)")
async def patch_invoice(invoice_id: str, body: InvoicePatch, principal: CurrentPrincipal, ctx: ContextDep,
                        invoices: Invoices) -> InvoiceOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"lines"})  # service_period: a dict
    if body.lines is not None:
        changes["lines"] = [line.to_input() for line in body.lines]
    return presenters.invoice_out(await invoices.update(principal, invoice_id, changes), ctx.clock.today())


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
@idempotent_route("invoices.submit:{principal.id}:{invoice_id}", fingerprint=no_fingerprint)
async def submit_for_review(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep,
                            invoices: Invoices) -> BaseModel:
    return presenters.invoice_out(await invoices.submit_for_review(principal, invoice_id), ctx.clock.today())


@_action("approve", "Approve an invoice in review (advisor of the member, or admin)")
@idempotent_route("invoices.approve:{principal.id}:{invoice_id}", fingerprint=no_fingerprint)
async def approve(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> BaseModel:
    return presenters.invoice_out(await invoices.approve(principal, invoice_id), ctx.clock.today())


@_action("request-changes", "Send an invoice in review back to draft (advisor of the member, or admin)")
@idempotent_route("invoices.changes:{principal.id}:{invoice_id}")
async def request_changes(invoice_id: str, body: ReviewChangesIn, principal: CurrentPrincipal, ctx: ContextDep,
                          invoices: Invoices) -> BaseModel:
    doc = await invoices.request_changes(principal, invoice_id, body.message)
    return presenters.invoice_out(doc, ctx.clock.today())


@_action("reject", "Refuse an invoice in review: cancelled unnumbered, with the reason (advisor or admin)")
@idempotent_route("invoices.reject:{principal.id}:{invoice_id}")
async def reject(invoice_id: str, body: ReviewChangesIn, principal: CurrentPrincipal, ctx: ContextDep,
                 invoices: Invoices) -> BaseModel:
    doc = await invoices.reject(principal, invoice_id, body.message)
    return presenters.invoice_out(doc, ctx.clock.today())


@_action("issue", "Issue: gives the next number of the year, the structured communication and the due date")
@idempotent_route("invoices.issue:{principal.id}:{invoice_id}", fingerprint=no_fingerprint)
async def issue(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> BaseModel:
    return await full_view(ctx, await invoices.issue(principal, invoice_id))


@_action("send", "E-mail the invoice or credit note to the client, with its PDF and UBL (and hand it to the "
                 "Peppol access point, once, when the client has a Peppol id)")
@idempotent_route("invoices.send:{principal.id}:{invoice_id}", fingerprint=no_fingerprint)
async def send(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> BaseModel:
    """Each request is one sending (see ``sendings`` in the answer); a replay with
    the same Idempotency-Key sends nothing more. The first sending marks an invoice sent."""
    doc, _ = await invoices.send(principal, invoice_id)
    return await full_view(ctx, doc)


@router.post("/{invoice_id}/client-link", response_model=ClientLinkOut, responses=_ERRORS,
             summary="A new client link for the invoice's page (the previous one stops working)")
async def renew_client_link(invoice_id: str, principal: CurrentPrincipal, invoices: Invoices) -> ClientLinkOut:
    doc, token = await invoices.renew_client_link(principal, invoice_id)
    return ClientLinkOut(client_link_url=Sendings(invoices.ctx).public_url(f"/client/invoices/{token}"),
                         expires_at=doc["client_link"]["expires_at"])


@router.delete("/{invoice_id}/client-link", status_code=204, responses=_ERRORS,
               summary="Revoke the invoice's client link")
async def revoke_client_link(invoice_id: str, principal: CurrentPrincipal, invoices: Invoices) -> Response:
    await invoices.revoke_client_link(principal, invoice_id)
    return Response(status_code=204)


@router.post("/{invoice_id}/credit-note", status_code=201, response_model=InvoiceOut, responses=_ERRORS,
             summary="Credit an issued invoice, in full or in part, with a credit note (UBL 381) that references it",
             description="Without `lines` or `amount_excl_vat` the whole invoice is cancelled. The note first "
                         "cancels what the client still owes; what it credits beyond that was already paid and "
                         "becomes a refund owed to the client (`GET /api/v1/refunds`).")
@idempotent_route("invoices.credit:{principal.id}:{invoice_id}")
async def credit_note(invoice_id: str, body: CreditNoteIn, principal: CurrentPrincipal, ctx: ContextDep,
                      invoices: Invoices) -> BaseModel:
    lines = None if body.lines is None else [CreditLine(item.line, item.quantity) for item in body.lines]
    doc = await invoices.credit(principal, invoice_id, body.reason, lines=lines,
                                amount_excl_vat=body.amount_excl_vat)
    return await full_view(ctx, doc)


@router.post("/{invoice_id}/write-off", response_model=InvoiceOut, responses=_ERRORS,
             summary="Write off an uncollectable invoice (the member's advisor or an admin)",
             description="Only after the formal notice (409 invoice.reminders_pending before). The guarantee fund "
                         "absorbs the loss: invoicing.invoice.written_off.v1 tells payroll what was never paid.")
@idempotent_route("invoices.write-off:{principal.id}:{invoice_id}")
async def write_off(invoice_id: str, body: WriteOffIn, principal: CurrentPrincipal, ctx: ContextDep,
                    reminders: Reminders) -> BaseModel:
    written_off = await reminders.write_off(principal, invoice_id, body.reason)
    return presenters.invoice_out(written_off, ctx.clock.today())


def _refuse_internal(doc: dict[str, Any]) -> None:
    if doc.get("internal_transfer"):
        raise Conflict("invoice.internal_transfer",
                       "An internal transfer between two activities is no sale: it has no invoice document, "
                       "neither Peppol UBL nor PDF (see /api/v1/internal-transfers).", "invoice_id")


@router.get("/{invoice_id}/pdf", responses={200: {"content": {"application/pdf": {}}}, **_ERRORS},
            response_class=Response, summary="The printable invoice or credit note, with the EPC QR code",
            description="The stored file, rendered once when issued: `X-Content-SHA256` is its hash.")
async def pdf(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> Response:
    doc = await invoices.issued(principal, invoice_id)
    _refuse_internal(doc)
    stored = await IssuedFiles(ctx).pdf(doc)
    return Response(stored.content, media_type=stored.content_type,
                    headers={"Content-Disposition": f'inline; filename="{stored.filename}"',
                             "X-Content-SHA256": stored.sha256})


@router.get("/{invoice_id}/ubl", responses={200: {"content": {"application/xml": {}}}, **_ERRORS},
            response_class=Response, summary="The Peppol BIS Billing 3.0 UBL document",
            description="Only for a client reachable on Peppol (its Peppol id, given or derived from its enterprise "
                        "or EU VAT number). Any other client has no UBL: 422 `invoice.ubl_buyer_unaddressable` "
                        "(field `client.peppol_id`); its PDF is always made. Peppol's address schemes have no "
                        "e-mail address, and the document never names someone else's id in the buyer's place. "
                        "The stored file, rendered once when issued.")
async def ubl(invoice_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> Response:
    doc = await invoices.issued(principal, invoice_id)
    _refuse_internal(doc)
    document, routable = invoice_document(doc, ctx.seller)
    if document.buyer.electronic_address is None:
        # Never an invented address, never the cooperative's own: no UBL for this client.
        raise DomainValidationError(
            "invoice.ubl_buyer_unaddressable",
            "This client has no Peppol id: a Peppol UBL cannot be addressed to it. Add its Peppol id (or "
            "its enterprise or EU VAT number) to the client, or send the PDF.", "client.peppol_id")
    stored = await IssuedFiles(ctx).ubl(doc)
    return Response(stored.content, media_type=stored.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{stored.filename}"',
                             "X-Peppol-Routable": "true" if routable else "false", "X-Content-SHA256": stored.sha256})
