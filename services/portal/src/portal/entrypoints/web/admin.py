"""Administrators: members and roles, payment batches with their pain.001 files, e-mail deliveries,
bank statements, scheduled jobs, partner API keys."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

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
    message = page.gettext("Role changed.") if response.status_code == 200 else page.error_message(response)
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


EMAIL_STATES = ("pending", "sending", "sent", "failed")


@router.get("/email-deliveries")
async def email_deliveries(page: MemberPage, status: str = "") -> Response:
    require_admin(page)
    chosen = status if status in EMAIL_STATES else ""
    filters = {"status": chosen} if chosen else {}
    return page.render("admin_emails.html", states=EMAIL_STATES, chosen=chosen,
                       deliveries=await page.items("/api/v1/admin/email-deliveries", **filters))


@router.post("/email-deliveries/{delivery_id}/retry")
async def retry_email(delivery_id: str, page: MemberForm) -> Response:
    """A parked e-mail gets a fresh set of attempts (after its address or the mail server is fixed)."""
    require_admin(page)
    response = await page.api("POST", f"/api/v1/admin/email-deliveries/{delivery_id}/retry")
    if response.status_code == 404:
        raise PageNotFound()
    message = page.gettext("The e-mail is queued again.") if response.status_code == 200 \
        else page.error_message(response)
    return page.redirect("/app/admin/email-deliveries?status=failed", message)


@router.get("/jobs")
async def jobs(page: MemberPage) -> Response:
    """What the platform does on its own, service by service: when it last ran, how it went, when it runs next."""
    require_admin(page)
    response = await page.api("GET", "/api/v1/admin/jobs")
    if response.status_code != 200:
        raise PageNotFound()
    found = response.json()
    ordered = sorted(found["items"], key=lambda job: (job["service"], job["name"]))
    return page.render("admin_jobs.html", jobs=ordered, unavailable=found.get("unavailable", []))


MAX_STATEMENT_BYTES = 20 * 1024 * 1024
OUTCOMES = ("matched", "partial", "overpaid", "unmatched", "duplicate", "reversed", "reversal_unmatched", "skipped")


async def _statements_page(page: PageContext, errors: dict[str, str], outcome: dict[str, Any] | None = None,
                           status_code: int = 200) -> Response:
    return page.render("admin_statements.html", status_code=status_code, errors=errors, outcome=outcome,
                       outcomes=OUTCOMES, statements=await page.items("/api/v1/bank-statements"))


@router.get("/bank-statements")
async def bank_statements(page: MemberPage) -> Response:
    require_admin(page)
    return await _statements_page(page, {})


@router.post("/bank-statements")
async def upload_statement(page: MemberForm) -> Response:
    """The file goes to the API as it is; the page answers what became of its lines."""
    require_admin(page)
    upload = page.form.get("file") if page.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _statements_page(page, {"file": page.gettext("Choose the bank's camt.053 file.")}, None, 422)
    content = await upload.read(MAX_STATEMENT_BYTES + 1)
    response = await page.api("POST", "/api/v1/bank-statements",
                              files={"file": (upload.filename, content, upload.content_type or "application/xml")})
    if response.status_code not in {200, 201}:
        (message,) = field_errors(page.problem(response), page.gettext, page.language).values()
        return await _statements_page(page, {"file": message}, None, response.status_code)
    return await _statements_page(page, {}, {"first_import": response.status_code == 201, **response.json()})


async def _keys_page(page: PageContext, errors: dict[str, str], created: dict[str, Any] | None = None,
                     status_code: int = 200) -> Response:
    scopes = await page.api("GET", "/api/v1/admin/api-keys/scopes")
    return page.render("admin_keys.html", status_code=status_code, errors=errors, created=created,
                       scopes=scopes.json()["items"] if scopes.status_code == 200 else [],
                       keys=await page.items("/api/v1/admin/api-keys"))


@router.get("/partner-keys")
async def partner_keys(page: MemberPage) -> Response:
    require_admin(page)
    return await _keys_page(page, {})


@router.post("/partner-keys")
async def create_partner_key(page: MemberForm) -> Response:
    """The secret is in this one answer and nowhere else: not in the session, not in a redirect."""
    require_admin(page)
    chosen = [s for s in (page.form.getlist("scopes") if page.form is not None else []) if isinstance(s, str)]
    name = page.value("name").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = page.gettext("Name the partner or the use of the key.")
    if not chosen:
        errors["scopes"] = page.gettext("Choose at least one scope.")
    if errors:
        return await _keys_page(page, errors, None, 422)
    # Activity ids, one per line or separated by commas or spaces; none: a key not bound.
    bound = sorted({a for a in re.split(r"[\s,;]+", page.value("activity_ids")) if a})
    body: dict[str, Any] = {"name": name, "scopes": chosen}
    if bound:
        body["activity_ids"] = bound
    response = await page.api("POST", "/api/v1/admin/api-keys", json=body)
    if response.status_code != 201:
        errors = field_errors(page.problem(response), page.gettext, page.language,
                              known={"name", "scopes", "activity_ids"})
        return await _keys_page(page, errors, None, response.status_code)
    answer = await _keys_page(page, {}, response.json(), 201)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/partner-keys/{key_id}/revoke")
async def revoke_partner_key(key_id: str, page: MemberForm) -> Response:
    require_admin(page)
    response = await page.api("DELETE", f"/api/v1/admin/api-keys/{key_id}")
    if response.status_code == 404:
        raise PageNotFound()
    message = page.gettext("Key revoked: it opens nothing any more.") if response.status_code == 200 \
        else page.error_message(response)
    return page.redirect("/app/admin/partner-keys", message)
