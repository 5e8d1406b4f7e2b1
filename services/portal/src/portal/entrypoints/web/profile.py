"""Profile and language: the member's own details, changed through the API."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.adapters.i18n import LANGUAGES
from portal.entrypoints.web.context import MemberForm, MemberPage
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")


@router.get("/profile")
async def profile(page: MemberPage) -> Response:
    return page.render("profile.html", me=await page.get_json("/api/v1/members/me"), errors={})


@router.post("/profile")
async def update_profile(page: MemberForm) -> Response:
    language = page.value("language")
    body = {"full_name": page.value("full_name"), "language": language if language in LANGUAGES else None,
            "iban": page.value("iban") or None}
    response = await page.api("PATCH", "/api/v1/members/me", json={k: v for k, v in body.items() if v})
    if response.status_code != 200:
        return page.render("profile.html", status_code=response.status_code,
                           me=await page.get_json("/api/v1/members/me"),
                           errors=field_errors(page.problem(response), page.gettext, page.language,
                                               known={"full_name", "language", "iban"}))
    me = response.json()
    page.session.language, page.session.name = me["language"], me["full_name"]
    return page.redirect("/app/profile", page.gettext("Your profile is saved."))


@router.get("/profile/export")
async def export(page: MemberPage) -> Response:
    """Everything held about the member (GDPR art. 15 and 20), as the API gives it."""
    response = await page.api("GET", "/api/v1/members/me/export")
    response.raise_for_status()
    return Response(response.content, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"'})


@router.post("/profile/erasure")
async def erase(page: MemberForm) -> Response:
    """Erasure (GDPR art. 17), confirmed with the password; the session ends with the account."""
    response = await page.api("POST", "/api/v1/members/me/erasure", json={"password": page.value("password")})
    if response.status_code != 202:
        errors = field_errors(page.problem(response), page.gettext, page.language, known={"password"})
        if response.status_code in {401, 403, 422}:
            errors = {"password": page.gettext("The password is wrong.")}
        return page.render("profile.html", status_code=response.status_code,
                           me=await page.get_json("/api/v1/members/me"), errors=errors)
    await page.store.delete(page.session)
    page.session = page.store.new()
    page.session.flash = page.gettext("Your personal data has been erased.")
    return page.redirect("/app/login")
