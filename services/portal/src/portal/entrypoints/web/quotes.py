"""Quotes: lines as on invoices, sent to the client through a link, the client's answer shown."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from starlette.responses import Response

from portal.domain.invoice_form import VAT_RATES, LineInput, api_lines, is_blank, lines_from_form
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")


async def _form_page(page: PageContext, lines: list[LineInput], errors: dict[str, str],
                     status_code: int = 200) -> Response:
    return page.render("quote_new.html", status_code=status_code, activities=await page.items("/api/v1/activities"),
                       clients=await page.items("/api/v1/clients"), lines=lines, errors=errors, vat_rates=VAT_RATES,
                       valid_until=page.value("valid_until", (page.clock.today() + timedelta(days=30)).isoformat()))


@router.get("/quotes")
async def quotes(page: MemberPage) -> Response:
    return page.render("quotes.html", quotes=await page.items("/api/v1/quotes"))


@router.get("/quotes/new")
async def new_quote(page: MemberPage) -> Response:
    return await _form_page(page, [LineInput()], {})


@router.post("/quotes/new")
async def save_quote(page: MemberForm) -> Response:
    form = {k: v for k, v in (page.form or {}).items() if isinstance(v, str)}
    lines = lines_from_form(form) or [LineInput()]
    if page.value("action") == "add_line":
        return await _form_page(page, [*lines, LineInput()], {})
    kept = [line for line in lines if not is_blank(line)] or lines
    body_lines, errors = api_lines(kept)
    errors = {k: page.gettext(v) for k, v in errors.items()}
    for name, message in (("activity_id", "Choose an activity."), ("client_id", "Choose a client.")):
        if not page.value(name):
            errors[name] = page.gettext(message)
    if errors:
        return await _form_page(page, kept, errors, 422)
    response = await page.api("POST", "/api/v1/quotes", json={
        "activity_id": page.value("activity_id"), "client_id": page.value("client_id"),
        "valid_until": page.value("valid_until"), "lines": body_lines})
    if response.status_code != 201:
        known = {"activity_id", "client_id", "valid_until"} | {
            f"lines-{i}-{f}" for i in range(len(kept)) for f in ("description", "quantity", "unit_price", "vat_rate")}
        return await _form_page(page, kept, field_errors(page.problem(response), page.gettext, page.language,
                                                         known=known), response.status_code)
    return page.redirect(f"/app/quotes/{response.json()['id']}", page.gettext("Quote saved."))


@router.get("/quotes/{quote_id}")
async def quote(quote_id: str, page: MemberPage) -> Response:
    return page.render("quote.html", quote=await page.get_json(f"/api/v1/quotes/{quote_id}"), link=None)


@router.post("/quotes/{quote_id}/send")
async def send_quote(quote_id: str, page: MemberForm) -> Response:
    response = await page.api("POST", f"/api/v1/quotes/{quote_id}/send")
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        return page.redirect(f"/app/quotes/{quote_id}", page.error_message(response))
    body = response.json()
    # The client's link is shown once, now: only its hash is kept by the platform.
    return page.render("quote.html", quote=body["quote"], link=body.get("client_link_path"))
