"""Subscribing shares, and (administrators) confirming that a share was paid."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")


async def _shares_page(page: PageContext, errors: dict[str, str], status_code: int = 200) -> Response:
    me = await page.get_json("/api/v1/members/me")
    return page.render("shares.html", status_code=status_code, me=me, errors=errors,
                       entries=await page.items("/api/v1/shares"))


@router.get("/shares")
async def shares(page: MemberPage) -> Response:
    return await _shares_page(page, {})


@router.post("/shares")
async def subscribe(page: MemberForm) -> Response:
    quantity = page.value("quantity", "1")
    if not quantity.isdigit() or int(quantity) < 1:
        return await _shares_page(page, {"quantity": page.gettext("Enter a whole number of at least 1.")}, 422)
    response = await page.api("POST", "/api/v1/shares", json={"quantity": int(quantity)})
    if response.status_code != 201:
        return await _shares_page(page, field_errors(page.problem(response), page.gettext, page.language,
                                                     known={"quantity"}), response.status_code)
    return page.redirect("/app/shares", page.gettext("Your subscription is recorded; it counts once paid."))


def _require_admin(page: PageContext) -> None:
    if page.session.role != "admin":
        raise PageNotFound()


@router.get("/admin/shares")
async def share_register(page: MemberPage) -> Response:
    _require_admin(page)
    entries = await page.items("/api/v1/admin/shares", kind="subscription")
    members = {m["id"]: m for m in await page.items("/api/v1/admin/members")}
    return page.render("admin_shares.html", entries=entries, members=members)


@router.post("/admin/shares/{entry_id}/confirm")
async def confirm_payment(entry_id: str, page: MemberForm) -> Response:
    _require_admin(page)
    response = await page.api("POST", f"/api/v1/admin/shares/{entry_id}/confirm-payment")
    if response.status_code == 404:
        raise PageNotFound()
    if response.status_code not in {200, 201}:
        return page.redirect("/app/admin/shares", page.error_message(response))
    return page.redirect("/app/admin/shares", page.gettext("Payment confirmed."))
