"""Opening activities, an activity's page and its transparency page."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from starlette.responses import Response

from portal.domain.money import to_decimal
from portal.domain.transparency import bars, breakdown
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.dashboard import UNPAID
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

SECTORS = ("arts_and_culture", "education", "events", "gardening", "well_being", "digital", "journalism", "games",
           "crafts", "consulting", "other")


@router.get("/activities")
async def activities(page: MemberPage) -> Response:
    return page.render("activities.html", activities=await page.items("/api/v1/activities"))


def _new_page(page: PageContext, errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("activity_new.html", status_code=status_code, errors=errors, sectors=SECTORS)


@router.get("/activities/new")
async def new_activity(page: MemberPage) -> Response:
    return _new_page(page, {})


@router.post("/activities/new")
async def open_activity(page: MemberForm) -> Response:
    response = await page.api("POST", "/api/v1/activities",
                              json={"name": page.value("name"), "sector": page.value("sector")})
    if response.status_code != 201:
        return _new_page(page, field_errors(page.problem(response), page.gettext, page.language,
                                            known={"name", "sector"}), response.status_code)
    return page.redirect(f"/app/activities/{response.json()['id']}", page.gettext("Your activity is open."))


@router.get("/activities/{activity_id}")
async def activity(activity_id: str, page: MemberPage) -> Response:
    found = await page.get_json(f"/api/v1/activities/{activity_id}")
    ledger = await page.api("GET", f"/api/v1/ledger/activities/{activity_id}", params={"limit": 1})
    return page.render("activity.html", activity=found, ledger=ledger.json() if ledger.status_code == 200 else None,
                       clients=await page.items("/api/v1/clients", activity_id=activity_id),
                       invoices=await page.items("/api/v1/invoices", activity_id=activity_id))


@router.get("/activities/{activity_id}/transparency")
async def transparency(activity_id: str, page: MemberPage, year: str | None = None) -> Response:
    """Since the activity opened, or one calendar year (each euro counted in the year it moved)."""
    found = await page.get_json(f"/api/v1/activities/{activity_id}")
    receivable = Decimal("0")
    if year is None:
        statement = (await page.get_json(f"/api/v1/ledger/activities/{activity_id}", params={"limit": 1}))["statement"]
        invoices = await page.items("/api/v1/invoices", activity_id=activity_id)
        receivable = sum((to_decimal(i.get("outstanding")) for i in invoices if i["status"] in UNPAID), Decimal("0"))
    # Read after the statement: a payment booked in between may add a year link, never leave one out.
    years = (await page.get_json(f"/api/v1/ledger/activities/{activity_id}/years"))["items"]
    if year is not None:
        chosen = next((item for item in years if str(item["year"]) == year), None)
        if chosen is None:
            raise PageNotFound()  # no movement that year, or not a year at all
        statement = chosen["statement"]
    result = breakdown(statement)
    return page.render("transparency.html", activity=found, breakdown=result, receivable=receivable,
                       bars=bars(result.uses, result.total_in), years=[item["year"] for item in years],
                       year=int(year) if year else None)
