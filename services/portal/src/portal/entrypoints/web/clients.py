"""An activity's clients: create and change (the API checks the VAT number), list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

CLIENT_FIELDS = {"activity_id", "kind", "name", "email", "vat_number", "street", "postal_code", "city", "country"}


@router.get("/clients")
async def clients(page: MemberPage) -> Response:
    activities = {a["id"]: a for a in await page.items("/api/v1/activities")}
    return page.render("clients.html", clients=await page.items("/api/v1/clients"), activities=activities)


async def _new_page(page: PageContext, errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("client_form.html", status_code=status_code, errors=errors, client=None,
                       activities=await page.items("/api/v1/activities"),
                       chosen=page.value("activity_id", page.request.query_params.get("activity_id", "")))


@router.get("/clients/new")
async def new_client(page: MemberPage) -> Response:
    return await _new_page(page, {})


def _typed(page: PageContext) -> dict[str, Any]:
    return {
        "kind": page.value("kind", "company"), "name": page.value("name"),
        "email": page.value("email") or None, "vat_number": page.value("vat_number") or None,
        "language": page.value("language", page.language),
        "address": {"street": page.value("street"), "postal_code": page.value("postal_code"),
                    "city": page.value("city"), "country": (page.value("country") or "BE").upper()},
    }


@router.post("/clients/new")
async def create_client(page: MemberForm) -> Response:
    body = {"activity_id": page.value("activity_id"), **_typed(page)}
    response = await page.api("POST", "/api/v1/clients", json=body)
    if response.status_code != 201:
        errors = field_errors(page.problem(response), page.gettext, page.language, known=CLIENT_FIELDS)
        return await _new_page(page, errors, response.status_code)
    return page.redirect(f"/app/activities/{body['activity_id']}", page.gettext("Client added."))


@router.get("/clients/{client_id}")
async def client(client_id: str, page: MemberPage) -> Response:
    return page.render("client_form.html", errors={}, client=await page.get_json(f"/api/v1/clients/{client_id}"))


@router.post("/clients/{client_id}")
async def change_client(client_id: str, page: MemberForm) -> Response:
    """Only what the person changed: an unchanged VAT number keeps the identifiers derived from it (and those
    the form does not show, such as a Peppol id); an emptied e-mail or VAT number is removed."""
    current = await page.get_json(f"/api/v1/clients/{client_id}")
    changes = {name: typed for name, typed in _typed(page).items()
               if typed != ({k: current["address"][k] for k in typed} if name == "address" else current.get(name))}
    if not changes:
        return page.redirect("/app/clients", page.gettext("Nothing changed."))
    response = await page.api("PATCH", f"/api/v1/clients/{client_id}", json=changes)
    if response.status_code in {403, 404}:
        raise PageNotFound()
    if response.status_code != 200:
        errors = field_errors(page.problem(response), page.gettext, page.language, known=CLIENT_FIELDS)
        return page.render("client_form.html", status_code=response.status_code, errors=errors, client=current)
    return page.redirect("/app/clients", page.gettext("Client saved."))
