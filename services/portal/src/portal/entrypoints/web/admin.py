"""Administrators: members and roles, payment batches with their pain.001 files, e-mail deliveries."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound

router = APIRouter(prefix="/app/admin")

ROLES = ("member", "advisor", "admin")


def require_admin(page: PageContext) -> None:
    if page.session.role != "admin":
        raise PageNotFound()


@router.get("/members")
async def members(page: MemberPage) -> Response:
    require_admin(page)
    return page.render("admin_members.html", members=await page.items("/api/v1/admin/members"), roles=ROLES)


@router.post("/members/{member_id}/role")
async def set_role(member_id: str, page: MemberForm) -> Response:
    require_admin(page)
    role = page.value("role")
    if role not in ROLES:
        raise PageNotFound()
    response = await page.api("PUT", f"/api/v1/admin/members/{member_id}/role", json={"role": role})
    if response.status_code == 404:
        raise PageNotFound()
    message = page.gettext("Role changed.") if response.status_code == 200 else page.problem(response).message
    return page.redirect("/app/admin/members", message)


@router.get("/payment-batches")
async def payment_batches(page: MemberPage) -> Response:
    require_admin(page)
    return page.render("admin_batches.html", batches=await page.items("/api/v1/payment-batches"))


@router.get("/payment-batches/{batch_id}/pain001")
async def pain001(batch_id: str, page: MemberPage) -> Response:
    require_admin(page)
    response = await page.api("GET", f"/api/v1/payment-batches/{batch_id}/pain001")
    if response.status_code != 200:
        raise PageNotFound()
    return Response(response.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="pain001-{batch_id[:8]}.xml"'})


@router.get("/email-deliveries")
async def email_deliveries(page: MemberPage) -> Response:
    require_admin(page)
    return page.render("admin_emails.html", deliveries=await page.items("/api/v1/admin/email-deliveries"))
