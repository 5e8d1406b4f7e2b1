"""/client/quotes/{token} and /client/invoices/{token}: HTML pages for a
member's client, opened from an e-mail without logging in.

The token is the only credential: it opens one document (looked up by its
hash), can be revoked (a new link replaces it) and expires. An unknown token
is a 404 page, an expired one a 410 page, never a stack trace. The pages load
nothing from elsewhere (strict CSP), send no referrer (the token is in the
URL) and are never cached.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from coop_shared.errors import Conflict, Gone, NotFound
from coop_shared.persistence.mongo import Document
from invoicing.adapters.documents.epc_qr import epc_transfer, make_epc_qr
from invoicing.adapters.documents.from_invoice import invoice_document, quote_document
from invoicing.adapters.documents.pdf import render_quote_pdf
from invoicing.adapters.documents.texts import format_amount, texts_for
from invoicing.adapters.mappers import billing_document_from_doc
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.quote_links import MAX_TOKEN_LENGTH, token_hash
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import ContextDep, Quotes
from invoicing.entrypoints.api.public_quotes import seller_out
from invoicing.entrypoints.client_pages.texts import LANGUAGE_NAMES, LANGUAGES, TEXTS, page_language
from invoicing.service_layer.context import Context
from invoicing.service_layer.issued_files import IssuedFiles
from invoicing.service_layer.quotes import Answer

router = APIRouter(prefix="/client", include_in_schema=False)
_HERE = Path(__file__).parent
_ENV = Environment(loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["j2", "html"]))
_CSS = (_HERE / "client.css").read_bytes()
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Lang = Annotated[str | None, Query(max_length=5)]


def _ok_token(token: str) -> bool:
    return 20 <= len(token) <= MAX_TOKEN_LENGTH and token.replace("-", "").replace("_", "").isalnum()


def _page(ctx: Context, template: str, lang: str, status: int = 200, **values: Any) -> HTMLResponse:
    texts = texts_for(lang)  # type: ignore[arg-type]
    html = _ENV.get_template(template).render(
        lang=lang, t=TEXTS[lang], languages=[(c, LANGUAGE_NAMES[c]) for c in LANGUAGES], switch=True,
        seller_name=ctx.settings.seller_name, money=lambda v: format_amount(Decimal(v), texts), **values)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _message(ctx: Context, lang: str, status: int, title_key: str, body: str, back: str | None = None) -> Response:
    t = TEXTS[lang]
    return _page(ctx, "message.html.j2", lang, status, title=t[title_key], body=body, back=back)


def _link_error(ctx: Context, lang: str, error: NotFound | Gone) -> Response:
    if isinstance(error, Gone):
        return _message(ctx, lang, 410, "expired_title", TEXTS[lang]["expired_body"])
    return _message(ctx, lang, 404, "invalid_title", TEXTS[lang]["invalid_body"])


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


@router.get("/static/client.css")
async def style() -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                          "X-Content-Type-Options": "nosniff"})


# -- quotes -----------------------------------------------------------------------------


async def _quote(quotes: Quotes, token: str) -> Document:
    if not _ok_token(token):
        raise NotFound("quote_link_invalid", "This link does not open any quote.", "token")
    return await quotes.by_token(token)


@router.get("/quotes/{token}")
async def quote_page(token: str, ctx: ContextDep, quotes: Quotes, lang: Lang = None,
                     answered: bool = False) -> Response:
    try:
        doc = await _quote(quotes, token)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, page_language(lang, None), exc)
    language = page_language(lang, doc["client"].get("language"))
    out = presenters.public_quote_out(doc, ctx.clock.today(), seller_out(ctx))
    status = "expired" if out.expired and out.status == "sent" else out.status
    return _page(ctx, "quote.html.j2", language, base=f"/client/quotes/{token}", quote_status=status,
                 activity_name=out.activity_name or "", client_name=out.client_name,
                 valid_until=out.valid_until.strftime("%d/%m/%Y"), lines=out.lines, totals=out.totals,
                 vat_mention=out.vat.mention, client_comment=out.client_comment, answerable=status == "sent",
                 notice=TEXTS[language]["answered"] if answered else None)


@router.get("/quotes/{token}/pdf")
async def quote_pdf(token: str, ctx: ContextDep, quotes: Quotes, lang: Lang = None) -> Response:
    try:
        doc = await _quote(quotes, token)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, page_language(lang, None), exc)
    document = quote_document(doc, ctx.seller, ctx.clock.today())
    content = await run_in_threadpool(render_quote_pdf, document, date.fromisoformat(doc["valid_until"]))
    return Response(content, media_type="application/pdf",
                    headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{document.number}.pdf"'})


async def _answer(ctx: Context, quotes: Quotes, token: str, lang: str | None, answer: Answer,
                  message: str | None) -> Response:
    language = page_language(lang, None)
    try:
        doc = await _quote(quotes, token)
        language = page_language(lang, doc["client"].get("language"))
        if doc["status"] != "sent":
            # Answered already (a double click, a second tab): the page shows how.
            return RedirectResponse(f"/client/quotes/{token}?lang={language}", status_code=303)
        await quotes.answer(token, answer, (message or "").strip() or None)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, language, exc)
    except (Conflict, DomainConflictError, DomainValidationError) as exc:
        return _message(ctx, language, 409, "conflict_title", str(exc), back=f"/client/quotes/{token}?lang={language}")
    return RedirectResponse(f"/client/quotes/{token}?lang={language}&answered=true", status_code=303)


@router.post("/quotes/{token}/accept")
async def accept(token: str, ctx: ContextDep, quotes: Quotes, lang: Lang = None) -> Response:
    return await _answer(ctx, quotes, token, lang, "accepted", None)


@router.post("/quotes/{token}/request-changes")
async def request_changes(token: str, ctx: ContextDep, quotes: Quotes,
                          message: Annotated[str, Form(max_length=5000)] = "", lang: Lang = None) -> Response:
    return await _answer(ctx, quotes, token, lang, "changes_requested", message)


@router.post("/quotes/{token}/reject")
async def reject(token: str, ctx: ContextDep, quotes: Quotes,
                 reason: Annotated[str, Form(max_length=5000)] = "", lang: Lang = None) -> Response:
    return await _answer(ctx, quotes, token, lang, "rejected", reason)


# -- invoices ---------------------------------------------------------------------------


async def _invoice(ctx: Context, token: str) -> Document:
    if not _ok_token(token):
        raise NotFound("invoice_link_invalid", "This link does not open any invoice.", "token")
    doc = await ctx.invoices.collection.find_one({"client_link.token_hash": token_hash(token)})
    if doc is None:
        raise NotFound("invoice_link_invalid", "This link does not open any invoice.", "token")
    if doc["client_link"]["expires_at"] <= ctx.clock.now():
        raise Gone("invoice_link_expired", "This link has expired.", "token")
    return doc


def _state(doc: Document) -> str:
    if doc["status"] == "paid":
        return "paid"
    if doc["status"] in ("cancelled", "written_off"):
        return "cancelled"
    return "partially_paid" if Decimal(doc.get("amount_paid", 0)) > 0 else "unpaid"


@router.get("/invoices/{token}")
async def invoice_page(token: str, ctx: ContextDep, lang: Lang = None) -> Response:
    try:
        doc = await _invoice(ctx, token)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, page_language(lang, None), exc)
    language = page_language(lang, doc["client"].get("language"))
    out = presenters.invoice_out(doc, ctx.clock.today())
    state = _state(doc)
    return _page(ctx, "invoice.html.j2", language, base=f"/client/invoices/{token}", state=state,
                 number=doc["number"], activity_name=doc.get("activity_name") or "", client_name=out.client.name,
                 amount_due=out.totals.amount_due if out.totals else Decimal(0), outstanding=out.outstanding,
                 due_date=_day(doc.get("due_date")), ogm=doc.get("structured_communication"),
                 iban=ctx.settings.seller_iban, lines=out.lines, totals=out.totals, vat_mention=out.vat.mention,
                 qr=state in ("unpaid", "partially_paid") and out.outstanding > 0,
                 # A UBL exists only for a buyer reachable on Peppol (its electronic address is mandatory).
                 has_ubl=IssuedFiles(ctx).has_ubl(doc))


@router.get("/invoices/{token}/qr.svg")
async def invoice_qr(token: str, ctx: ContextDep) -> Response:
    try:
        doc = await _invoice(ctx, token)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, "fr", exc)
    left = billing_document_from_doc(doc).outstanding
    if left <= 0:
        return _message(ctx, "fr", 404, "invalid_title", TEXTS["fr"]["invalid_body"])
    document, _ = invoice_document(doc, ctx.seller)
    buffer = BytesIO()
    make_epc_qr(epc_transfer(document, amount=left)).save(buffer, kind="svg", scale=4, title="EPC QR")
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers=_HEADERS)


@router.get("/invoices/{token}/pdf")
async def invoice_pdf(token: str, ctx: ContextDep) -> Response:
    return await _file(ctx, token, "pdf")


@router.get("/invoices/{token}/ubl")
async def invoice_ubl(token: str, ctx: ContextDep) -> Response:
    return await _file(ctx, token, "ubl")


async def _file(ctx: Context, token: str, name: str) -> Response:
    try:
        doc = await _invoice(ctx, token)
    except (NotFound, Gone) as exc:
        return _link_error(ctx, "fr", exc)
    files = IssuedFiles(ctx)
    if name == "ubl" and not files.has_ubl(doc):
        language = page_language(None, doc["client"].get("language"))
        return _message(ctx, language, 404, "invalid_title", TEXTS[language]["invalid_body"])
    stored = await (files.pdf(doc) if name == "pdf" else files.ubl(doc))
    return Response(stored.content, media_type=stored.content_type,
                    headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{stored.filename}"',
                             "X-Content-SHA256": stored.sha256})
