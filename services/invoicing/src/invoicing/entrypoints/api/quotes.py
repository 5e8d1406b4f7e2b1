"""/api/v1/quotes: drafting, sending and invoicing quotes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.idempotency import IdempotencyKey, idempotent_route, no_fingerprint
from coop_shared.http.pagination import PageParams, page_params
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import ContextDep, Invoices, Quotes, once
from invoicing.entrypoints.api.schemas import InvoiceOut, QuoteCreate, QuoteLinkOut, QuoteOut, QuotePage, QuotePatch
from invoicing.service_layer.sendings import Sendings

router = APIRouter(prefix="/api/v1/quotes", tags=["quotes"])

# The client's page (HTML, through the gateway); its JSON twin is /api/v1/public/quotes/{token}.
PUBLIC_PATH = "/client/quotes/"
_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown quote, client or activity, or not yours"},
    409: {"description": "Not allowed in this state (quote.locked, quote.not_editable...), member not in good "
                         "standing, activity not open"},
    422: {"description": "Bad line, unknown VAT rate, validity in the past..., with the field at fault"},
}
QuoteStatusName = Literal["draft", "sent", "accepted", "changes_requested", "rejected", "expired"]


@router.post("", status_code=201, response_model=QuoteOut, responses=_ERRORS, summary="Draft a quote")
@idempotent_route("quotes.create:{principal.id}")
async def create_quote(body: QuoteCreate, principal: CurrentPrincipal, ctx: ContextDep, quotes: Quotes) -> BaseModel:
    doc = await quotes.create(principal, body.activity_id, body.client_id, body.valid_until,
                              [line.to_input() for line in body.lines], body.exemption_reference)
    return presenters.quote_out(doc, ctx.clock.today())


@router.get("", response_model=QuotePage, summary="List quotes (newest first)")
async def list_quotes(principal: CurrentPrincipal, ctx: ContextDep, quotes: Quotes,
                      page: Annotated[PageParams, Depends(page_params)],
                      activity_id: Annotated[str | None, Query(max_length=100)] = None,
                      status: QuoteStatusName | None = None) -> QuotePage:
    docs, cursor = await quotes.list(principal, activity_id, status, page.limit, page.cursor)
    today = ctx.clock.today()
    return QuotePage(items=[presenters.quote_out(d, today) for d in docs], next_cursor=cursor)


@router.get("/{quote_id}", response_model=QuoteOut, responses=_ERRORS, summary="A quote")
async def get_quote(quote_id: str, principal: CurrentPrincipal, ctx: ContextDep, quotes: Quotes) -> QuoteOut:
    doc = await quotes.get(principal, quote_id)
    return presenters.quote_out(doc, ctx.clock.today(), await Sendings(ctx).of_subject(doc["_id"]))


@router.patch("/{quote_id}", response_model=QuoteOut, responses=_ERRORS,
              summary="Edit a draft (or revise a quote the client asked to change)")
async def patch_quote(quote_id: str, body: QuotePatch, principal: CurrentPrincipal, ctx: ContextDep,
                      quotes: Quotes) -> QuoteOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"lines"})
    if body.lines is not None:
        changes["lines"] = [line.to_input() for line in body.lines]
    return presenters.quote_out(await quotes.update(principal, quote_id, changes), ctx.clock.today())


def _link(doc: dict[str, Any], token: str | None, today: Any) -> QuoteLinkOut:
    expires: datetime = doc["token_expires_at"]
    return QuoteLinkOut(quote=presenters.quote_out(doc, today), client_link_token=token,
                        client_link_path=None if token is None else PUBLIC_PATH + token, link_expires_at=expires)


def _with_token(response: JSONResponse, token: list[str]) -> JSONResponse:
    """The token is added after the idempotency record is written: only its hash is ever stored."""
    if not token:
        return response
    body = json.loads(bytes(response.body))
    body["client_link_token"] = token[0]
    body["client_link_path"] = PUBLIC_PATH + token[0]
    return JSONResponse(body, status_code=response.status_code)


@router.post("/{quote_id}/send", response_model=QuoteLinkOut, responses=_ERRORS,
             summary="Send to the client: returns the client link token, once")
async def send_quote(quote_id: str, principal: CurrentPrincipal, ctx: ContextDep, quotes: Quotes,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    token: list[str] = []

    async def run() -> tuple[int, BaseModel]:
        doc, secret = await quotes.send(principal, quote_id)
        token.append(secret)
        return 200, _link(doc, None, ctx.clock.today())

    response = await once(ctx, idempotency_key, f"quotes.send:{principal.id}:{quote_id}", {}, run)
    return _with_token(response, token)


@router.post("/{quote_id}/renew-link", response_model=QuoteLinkOut, responses=_ERRORS,
             summary="A new client link for a sent quote (the previous one stops working)")
async def renew_link(quote_id: str, principal: CurrentPrincipal, ctx: ContextDep, quotes: Quotes,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    token: list[str] = []

    async def run() -> tuple[int, BaseModel]:
        doc, secret = await quotes.renew_link(principal, quote_id)
        token.append(secret)
        return 200, _link(doc, None, ctx.clock.today())

    response = await once(ctx, idempotency_key, f"quotes.renew:{principal.id}:{quote_id}", {}, run)
    return _with_token(response, token)


@router.delete("/{quote_id}/client-link", status_code=204, responses=_ERRORS,
               summary="Revoke the quote's client link (a new one: renew-link)")
async def revoke_link(quote_id: str, principal: CurrentPrincipal, quotes: Quotes) -> Response:
    await quotes.revoke_link(principal, quote_id)
    return Response(status_code=204)


@router.post("/{quote_id}/invoice", status_code=201, response_model=InvoiceOut, responses=_ERRORS,
             summary="Turn an accepted quote into a draft invoice")
@idempotent_route("quotes.invoice:{principal.id}:{quote_id}", fingerprint=no_fingerprint)
async def invoice_quote(quote_id: str, principal: CurrentPrincipal, ctx: ContextDep, invoices: Invoices) -> BaseModel:
    doc = await invoices.from_quote(principal, quote_id)
    return presenters.invoice_out(doc, ctx.clock.today())
