"""Expense claims: the claim, its receipt and its submission in one step."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from portal.domain.money import CENT, parse_amount
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

FIELDS = {"activity_id", "expense_date", "supplier", "description", "amount_incl_vat", "vat_amount", "receipt"}
MAX_RECEIPT_BYTES = 5 * 1024 * 1024


async def _page(page: PageContext, errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("expenses.html", status_code=status_code, errors=errors,
                       activities=await page.items("/api/v1/activities"),
                       claims=await page.items("/api/v1/expense-claims"))


@router.get("/expenses")
async def expenses(page: MemberPage) -> Response:
    return await _page(page, {})


def _typed(page: PageContext) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    amount, vat = parse_amount(page.value("amount_incl_vat")), parse_amount(page.value("vat_amount", "0"))
    if amount is None or amount <= 0:
        errors["amount_incl_vat"] = page.gettext("Enter an amount greater than zero.")
    if vat is None or vat < 0:
        errors["vat_amount"] = page.gettext("Enter an amount.")
    try:
        day = date.fromisoformat(page.value("expense_date")).isoformat()
    except ValueError:
        errors["expense_date"] = page.gettext("Enter a date.")
        day = ""
    if not page.value("activity_id"):
        errors["activity_id"] = page.gettext("Choose an activity.")
    body = {"activity_id": page.value("activity_id"), "expense_date": day, "supplier": page.value("supplier"),
            "description": page.value("description") or None,
            "amount_incl_vat": str(amount.quantize(CENT)) if amount else None,
            "vat_amount": str(vat.quantize(CENT)) if vat is not None else None}
    return body, errors


@router.post("/expenses")
async def submit_claim(page: MemberForm) -> Response:
    """One step for the person: the claim, its receipt and the submission (a failure keeps what was typed)."""
    body, errors = _typed(page)
    receipt = page.form.get("receipt") if page.form is not None else None
    if not isinstance(receipt, UploadFile) or not receipt.filename:
        errors["receipt"] = page.gettext("Attach the receipt (PDF, JPEG or PNG).")
    if errors or not isinstance(receipt, UploadFile):
        return await _page(page, errors, 422)
    content = await receipt.read(MAX_RECEIPT_BYTES + 1)
    created = await page.api("POST", "/api/v1/expense-claims", json=body)
    if created.status_code != 201:
        return await _page(page, field_errors(page.problem(created), page.gettext, page.language, known=FIELDS),
                           created.status_code)
    claim_id = created.json()["id"]
    attached = await page.api("POST", f"/api/v1/expense-claims/{claim_id}/attachments",
                              files={"file": (receipt.filename, content, receipt.content_type)})
    if attached.status_code != 201:
        errors = field_errors(page.problem(attached), page.gettext, page.language, known=set())
        return await _page(page, {"receipt": next(iter(errors.values()))}, attached.status_code)
    submitted = await page.api("POST", f"/api/v1/expense-claims/{claim_id}/submit")
    if submitted.status_code != 200:
        return await _page(page, field_errors(page.problem(submitted), page.gettext, page.language, known=FIELDS),
                           submitted.status_code)
    return page.redirect("/app/expenses", page.gettext("Your expense claim is submitted for review."))


@router.post("/expenses/{claim_id}/submit")
async def resubmit_claim(claim_id: str, page: MemberForm) -> Response:
    """A draft (sent back by the advisor, or left by a failed upload) goes for review again, with a new receipt
    when one is attached."""
    receipt = page.form.get("receipt") if page.form is not None else None
    if isinstance(receipt, UploadFile) and receipt.filename:
        content = await receipt.read(MAX_RECEIPT_BYTES + 1)
        attached = await page.api("POST", f"/api/v1/expense-claims/{claim_id}/attachments",
                                  files={"file": (receipt.filename, content, receipt.content_type)})
        if attached.status_code == 404:
            raise PageNotFound()
        if attached.status_code != 201:
            return await _row_refused(page, claim_id, attached)
    submitted = await page.api("POST", f"/api/v1/expense-claims/{claim_id}/submit")
    if submitted.status_code == 404:
        raise PageNotFound()
    if submitted.status_code != 200:
        return await _row_refused(page, claim_id, submitted)
    return page.redirect("/app/expenses", page.gettext("Your expense claim is submitted for review."))


async def _row_refused(page: PageContext, claim_id: str, response: Any) -> Response:
    """The API's refusal next to the row's receipt field, whatever field it named (the row has only that one)."""
    errors = field_errors(page.problem(response), page.gettext, page.language, known=set())
    return await _page(page, {f"receipt-{claim_id}": next(iter(errors.values()))}, response.status_code)
