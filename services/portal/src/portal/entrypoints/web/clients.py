"""An activity's clients: create (the API checks the VAT number) and list."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

CLIENT_FIELDS = {"activity_id", "kind", "name", "email", "vat_number", "street", "postal_code", "city", "country"}


@router.get("/clients")
async def clients(page: MemberPage) -> Response:
    activities = {a["id"]: a for a in await page.items("/api/v1/activities")}
    return page.render("clients.html", clients=await page.items("/api/v1/clients"), activities=activities)


async def _new_page(page: PageContext, errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("client_new.html", status_code=status_code, errors=errors,
                       activities=await page.items("/api/v1/activities"),
                       chosen=page.value("activity_id", page.request.query_params.get("activity_id", "")))


@router.get("/clients/new")
async def new_client(page: MemberPage) -> Response:
    return await _new_page(page, {})


@router.post("/clients/new")
async def create_client(page: MemberForm) -> Response:
    body = {
        "activity_id": page.value("activity_id"), "kind": page.value("kind", "company"), "name": page.value("name"),
        "email": page.value("email") or None, "vat_number": page.value("vat_number") or None,
        "language": page.value("language", page.language),
        "address": {"street": page.value("street"), "postal_code": page.value("postal_code"),
                    "city": page.value("city"), "country": (page.value("country") or "BE").upper()},
    }
    response = await page.api("POST", "/api/v1/clients", json=body)
    if response.status_code != 201:
        errors = field_errors(page.problem(response), page.gettext, page.language, known=CLIENT_FIELDS)
        return await _new_page(page, errors, response.status_code)
    return page.redirect(f"/app/activities/{body['activity_id']}", page.gettext("Client added."))
