"""Advisors and administrators: the review queue (invoices and expense claims), money no invoice took,
and the members an advisor supports."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from portal.domain.money import CENT, parse_amount
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import N_, field_errors

router = APIRouter(prefix="/app")

STAFF = {"advisor", "admin"}


def require_staff(page: PageContext) -> None:
    if page.session.role not in STAFF:
        raise PageNotFound()


def _row_error(page: PageContext, response: Any, field: str, row_id: str) -> dict[str, str]:
    """The API's refusal, next to the one field of the row it was about."""
    (message,) = field_errors(page.problem(response), page.gettext, page.language).values()
    return {f"{field}-{row_id}": message}


# --- the review queue ----------------------------------------------------------------------------------------
async def _queue(page: PageContext, errors: dict[str, str] | None = None, typed_for: str | None = None,
                 status_code: int = 200) -> Response:
    in_review = await page.items("/api/v1/invoices", status="in_review")
    waiting = [i for i in in_review if (i.get("review") or {}).get("state") == "pending"]
    return page.render("review.html", status_code=status_code, invoices=waiting, errors=errors or {},
                       typed_for=typed_for, claims=await page.items("/api/v1/expense-claims", status="submitted"))


@router.get("/review")
async def review_queue(page: MemberPage) -> Response:
    require_staff(page)
    return await _queue(page)


# What the advisor must say for each decision that needs words, and what they are told once it is done.
_MESSAGE_NEEDED = {"request-changes": N_("Say what the member should change."),
                   "reject": N_("Say why you refuse it: the member reads it.")}
_DONE = {
    ("invoices", "approve"): N_("Invoice approved: the member can issue it."),
    ("invoices", "request-changes"): N_("The invoice is back with the member, with your message."),
    ("invoices", "reject"): N_("Invoice refused: it is cancelled and will never be issued."),
    ("expense-claims", "approve"): N_("Expense claim approved."),
    ("expense-claims", "request-changes"): N_("The expense claim is back with the member, with your message."),
    ("expense-claims", "reject"): N_("Expense claim rejected."),
}


async def _decide(page: PageContext, kind: str, item_id: str, decision: str) -> Response:
    """Approve, send back with a message, or refuse with a reason: one form per row, one answer per decision."""
    require_staff(page)
    if (kind, decision) not in _DONE:
        raise PageNotFound()
    body: dict[str, str] | None = None
    if decision in _MESSAGE_NEEDED:
        message = page.value("message").strip()
        if not message:
            return await _queue(page, {f"message-{item_id}": page.gettext(_MESSAGE_NEEDED[decision])}, item_id, 422)
        # The API names a claim's refusal a reason; everything else the advisor writes is a message.
        body = {"reason" if (kind, decision) == ("expense-claims", "reject") else "message": message}
    response = await page.api("POST", f"/api/v1/{kind}/{item_id}/{decision}", json=body)
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        return await _queue(page, _row_error(page, response, "message", item_id), item_id, response.status_code)
    return page.redirect("/app/review", page.gettext(_DONE[(kind, decision)]))


@router.post("/review/invoices/{invoice_id}/{decision}")
async def decide_invoice(invoice_id: str, decision: str, page: MemberForm) -> Response:
    return await _decide(page, "invoices", invoice_id, decision)


@router.post("/review/expense-claims/{claim_id}/{decision}")
async def decide_claim(claim_id: str, decision: str, page: MemberForm) -> Response:
    return await _decide(page, "expense-claims", claim_id, decision)


# --- money no invoice took -----------------------------------------------------------------------------------
async def _unmatched(page: PageContext, errors: dict[str, str] | None = None, typed_for: str | None = None,
                     status_code: int = 200) -> Response:
    return page.render("unmatched.html", status_code=status_code, errors=errors or {}, typed_for=typed_for,
                       amounts=await page.items("/api/v1/payments/unmatched", status="open"))


@router.get("/review/payments")
async def unmatched_payments(page: MemberPage) -> Response:
    require_staff(page)
    return await _unmatched(page)


async def _invoice_numbered(page: PageContext, number: str) -> dict[str, Any] | None:
    found = await page.api("GET", "/api/v1/invoices", params={"number": number, "kind": "invoice", "limit": 1})
    if found.status_code != 200 or not found.json()["items"]:
        return None
    invoice: dict[str, Any] = found.json()["items"][0]
    return invoice


@router.post("/review/payments/{unmatched_id}/assign")
async def assign(unmatched_id: str, page: MemberForm) -> Response:
    """The person reads an invoice number on the transfer; the platform wants the invoice's id."""
    require_staff(page)
    number, typed_amount = page.value("invoice_number").strip(), page.value("amount").strip()
    errors: dict[str, str] = {}
    amount = parse_amount(typed_amount) if typed_amount else None
    if typed_amount and (amount is None or amount <= 0):
        errors[f"amount-{unmatched_id}"] = page.gettext("Enter an amount greater than zero.")
    invoice = await _invoice_numbered(page, number) if number else None
    if invoice is None:
        errors[f"invoice_number-{unmatched_id}"] = (
            page.gettext("No invoice has this number.") if number else page.gettext("Enter the invoice number."))
    if errors or invoice is None:
        return await _unmatched(page, errors, unmatched_id, 422)
    body: dict[str, Any] = {"invoice_id": invoice["id"]}
    if amount is not None:
        body["amount"] = str(amount.quantize(CENT))
    response = await page.api("POST", f"/api/v1/payments/unmatched/{unmatched_id}/assign", json=body)
    if response.status_code == 404:
        raise PageNotFound()
    if response.status_code != 200:
        field = "amount" if page.problem(response).field == "amount" else "invoice_number"
        return await _unmatched(page, _row_error(page, response, field, unmatched_id), unmatched_id,
                                response.status_code)
    return page.redirect("/app/review/payments", page.gettext("Assigned to invoice %(number)s.")
                         % {"number": invoice["number"]})


@router.post("/review/payments/{unmatched_id}/refund")
async def refund(unmatched_id: str, page: MemberForm) -> Response:
    require_staff(page)
    reason = page.value("reason").strip()
    if not reason:
        return await _unmatched(page, {f"reason-{unmatched_id}": page.gettext("Say why the money is returned.")},
                                unmatched_id, 422)
    response = await page.api("POST", f"/api/v1/payments/unmatched/{unmatched_id}/refund", json={"reason": reason})
    if response.status_code == 404:
        raise PageNotFound()
    if response.status_code != 200:
        return await _unmatched(page, _row_error(page, response, "reason", unmatched_id), unmatched_id,
                                response.status_code)
    return page.redirect("/app/review/payments", page.gettext("Recorded as returned to the payer."))


# --- an advisor's members ------------------------------------------------------------------------------------
@router.get("/advisor/members")
async def my_members(page: MemberPage) -> Response:
    """The members assigned to this advisor, each with their activities (administrators see everyone elsewhere)."""
    if page.session.role != "advisor":
        raise PageNotFound()
    members = await page.items("/api/v1/members")  # an advisor's list holds their members and nobody else
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for activity in await page.items("/api/v1/activities"):
        by_owner[activity["owner_id"]].append(activity)
    return page.render("advisor_members.html", members=members, activities=by_owner)
