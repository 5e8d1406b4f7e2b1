"""Invoices: the draft form (lines added with htmx), the invoice's page, issuing, the PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from portal.domain.invoice_form import VAT_RATES, LineInput, api_lines, is_blank, lines_from_form
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")


def _typed_lines(page: PageContext) -> list[LineInput]:
    form = {k: v for k, v in (page.form or {}).items() if isinstance(v, str)}
    return lines_from_form(form) or [LineInput()]


async def _form_page(page: PageContext, lines: list[LineInput], errors: dict[str, str],
                     status_code: int = 200) -> Response:
    activities = await page.items("/api/v1/activities")
    clients = await page.items("/api/v1/clients")
    return page.render("invoice_new.html", status_code=status_code, activities=activities, clients=clients,
                       lines=lines, errors=errors, vat_rates=VAT_RATES,
                       chosen_activity=page.value("activity_id", page.request.query_params.get("activity_id", "")),
                       chosen_client=page.value("client_id"))


@router.get("/invoices")
async def invoices(page: MemberPage) -> Response:
    return page.render("invoices.html", invoices=await page.items("/api/v1/invoices"))


@router.get("/invoices/new")
async def new_invoice(page: MemberPage) -> Response:
    return await _form_page(page, [LineInput()], {})


@router.post("/invoices/new/lines")
async def add_line(page: MemberForm) -> Response:
    """htmx: the lines block again, as typed, with one more empty line."""
    lines = [*_typed_lines(page), LineInput()]
    return page.render("partials/invoice_lines.html", lines=lines, errors={}, vat_rates=VAT_RATES)


@router.post("/invoices/new")
async def save_draft(page: MemberForm) -> Response:
    lines = _typed_lines(page)
    if page.value("action") == "add_line":  # the same button without JavaScript
        return await _form_page(page, [*lines, LineInput()], {})
    kept = [line for line in lines if not is_blank(line)] or lines
    body_lines, errors = api_lines(kept)
    errors = {k: page.gettext(v) for k, v in errors.items()}
    if not page.value("activity_id"):
        errors["activity_id"] = page.gettext("Choose an activity.")
    if not page.value("client_id"):
        errors["client_id"] = page.gettext("Choose a client.")
    if errors:
        return await _form_page(page, kept, errors, 422)
    response = await page.api("POST", "/api/v1/invoices", json={
        "activity_id": page.value("activity_id"), "client_id": page.value("client_id"), "lines": body_lines})
    if response.status_code != 201:
        known = {"activity_id", "client_id"} | {f"lines-{i}-{f}" for i in range(len(kept))
                                                for f in ("description", "quantity", "unit_price", "vat_rate")}
        return await _form_page(page, kept, field_errors(page.problem(response), page.gettext, page.language,
                                                         known=known), response.status_code)
    return page.redirect(f"/app/invoices/{response.json()['id']}", page.gettext("Draft saved."))


async def _invoice(page: PageContext, invoice_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await page.get_json(f"/api/v1/invoices/{invoice_id}")
    return found


@router.get("/invoices/{invoice_id}")
async def invoice(invoice_id: str, page: MemberPage) -> Response:
    return page.render("invoice.html", invoice=await _invoice(page, invoice_id), errors={})


@router.post("/invoices/{invoice_id}/issue")
async def issue(invoice_id: str, page: MemberForm) -> Response:
    response = await page.api("POST", f"/api/v1/invoices/{invoice_id}/issue")
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        errors = field_errors(page.problem(response), page.gettext, page.language, known=set())
        return page.render("invoice.html", status_code=response.status_code,
                           invoice=await _invoice(page, invoice_id), errors=errors)
    return page.redirect(f"/app/invoices/{invoice_id}", page.gettext("Invoice issued."))


@router.post("/invoices/{invoice_id}/submit-for-review")
async def submit_for_review(invoice_id: str, page: MemberForm) -> Response:
    response = await page.api("POST", f"/api/v1/invoices/{invoice_id}/submit-for-review")
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        return page.render("invoice.html", status_code=response.status_code, invoice=await _invoice(page, invoice_id),
                           errors=field_errors(page.problem(response), page.gettext, page.language, known=set()))
    return page.redirect(f"/app/invoices/{invoice_id}", page.gettext("Sent to your advisor for review."))


@router.get("/invoices/{invoice_id}/pdf")
async def pdf(invoice_id: str, page: MemberPage) -> Response:
    response = await page.api("GET", f"/api/v1/invoices/{invoice_id}/pdf")
    if response.status_code != 200:
        raise PageNotFound()
    found = await _invoice(page, invoice_id)
    name = (found.get("number") or invoice_id).replace("/", "-")
    return Response(response.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="invoice-{name}.pdf"'})


@router.get("/invoices/{invoice_id}/ubl")
async def ubl(invoice_id: str, page: MemberPage) -> Response:
    response = await page.api("GET", f"/api/v1/invoices/{invoice_id}/ubl")
    if response.status_code != 200:
        raise PageNotFound()
    found = await _invoice(page, invoice_id)
    name = (found.get("number") or invoice_id).replace("/", "-")
    return Response(response.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="invoice-{name}.xml"'})


@router.post("/invoices/{invoice_id}/send")
async def mark_sent(invoice_id: str, page: MemberForm) -> Response:
    response = await page.api("POST", f"/api/v1/invoices/{invoice_id}/send")
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        return page.render("invoice.html", status_code=response.status_code, invoice=await _invoice(page, invoice_id),
                           errors=field_errors(page.problem(response), page.gettext, page.language, known=set()))
    return page.redirect(f"/app/invoices/{invoice_id}", page.gettext("Sending to the client."))


@router.post("/invoices/{invoice_id}/credit-note")
async def credit_note(invoice_id: str, page: MemberForm) -> Response:
    reason = page.value("reason").strip()
    if not reason:
        return page.render("invoice.html", status_code=422, invoice=await _invoice(page, invoice_id),
                           errors={"reason": page.gettext("Say why the invoice is cancelled.")})
    response = await page.api("POST", f"/api/v1/invoices/{invoice_id}/credit-note", json={"reason": reason})
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 201:
        return page.render("invoice.html", status_code=response.status_code, invoice=await _invoice(page, invoice_id),
                           errors=field_errors(page.problem(response), page.gettext, page.language,
                                               known={"reason"}))
    return page.redirect(f"/app/invoices/{response.json()['id']}", page.gettext("Credit note issued."))
