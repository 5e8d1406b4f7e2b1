"""/api/v1/public/quotes/{token}: the client's side of a quote, no login.

The token opens this one quote and shows only what the client needs to
decide; unknown tokens are 404, expired ones 410.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.persistence.mongo import Document
from invoicing.domain.quote_links import MAX_TOKEN_LENGTH, token_hash
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import ContextDep, Quotes
from invoicing.entrypoints.api.schemas import AcceptIn, PublicQuoteOut, RejectIn, RequestChangesIn, SellerOut
from invoicing.service_layer.context import Context
from invoicing.service_layer.quotes import Answer

router = APIRouter(prefix="/api/v1/public/quotes", tags=["public quote links"])

Token = Annotated[str, Path(min_length=20, max_length=MAX_TOKEN_LENGTH, description="From the client link.")]
_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "The link opens no quote"},
    409: {"description": "Already answered, or no longer valid (quote.expired)"},
    410: {"description": "The link has expired"},
}


def seller_out(ctx: Context) -> SellerOut:
    s = ctx.settings
    return SellerOut(name=s.seller_name, vat_number=s.seller_vat_number,
                     address=f"{s.seller_street}, {s.seller_postal_code} {s.seller_city}")


@router.get("/{token}", response_model=PublicQuoteOut, responses=_ERRORS, summary="Read the quote")
async def read_quote(token: Token, ctx: ContextDep, quotes: Quotes) -> PublicQuoteOut:
    return presenters.public_quote_out(await quotes.by_token(token), ctx.clock.today(), seller_out(ctx))


def _answer_scope(answer: Answer) -> Callable[[Mapping[str, Any]], str]:
    """Keyed by the link (hashed: the token is a secret) and the answer, not by a caller: there is none."""
    return lambda arguments: f"public.quote:{token_hash(arguments['token'])}:{answer}"


def _quote_out(doc: Document, ctx: Context) -> BaseModel:
    return presenters.public_quote_out(doc, ctx.clock.today(), seller_out(ctx))


@router.post("/{token}/accept", response_model=PublicQuoteOut, responses=_ERRORS, summary="Accept the quote")
@idempotent_route(_answer_scope("accepted"), fingerprint=no_fingerprint)
async def accept(token: Token, ctx: ContextDep, quotes: Quotes, body: AcceptIn | None = None) -> BaseModel:
    return _quote_out(await quotes.answer(token, "accepted", None), ctx)


@router.post("/{token}/request-changes", response_model=PublicQuoteOut, responses=_ERRORS,
             summary="Ask the member for changes")
@idempotent_route(_answer_scope("changes_requested"))
async def request_changes(token: Token, body: RequestChangesIn, ctx: ContextDep, quotes: Quotes) -> BaseModel:
    return _quote_out(await quotes.answer(token, "changes_requested", body.message), ctx)


@router.post("/{token}/reject", response_model=PublicQuoteOut, responses=_ERRORS, summary="Reject the quote")
@idempotent_route(_answer_scope("rejected"))
async def reject(token: Token, body: RejectIn, ctx: ContextDep, quotes: Quotes) -> BaseModel:
    return _quote_out(await quotes.answer(token, "rejected", body.reason), ctx)
