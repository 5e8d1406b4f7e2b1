"""Salary: the simulator (budget or gross to net, every step shown), salary requests for work dates, payslips."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter
from starlette.responses import Response

from portal.domain.money import CENT, parse_amount
from portal.entrypoints.web.context import MemberForm, MemberPage, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")


@router.get("/salary/simulate")
async def simulator(page: MemberPage) -> Response:
    return page.render("simulate.html", result=None, errors={})


@router.post("/salary/simulate")
async def simulate(page: MemberForm) -> Response:
    """From a budget (what the activity spends) or from a gross (what a contract says): one of the two."""
    typed = {name: page.value(name).strip() for name in ("budget", "gross")}
    given = {name: parse_amount(text) for name, text in typed.items() if text}
    days = page.value("worked_days", "1")
    errors: dict[str, str] = {}
    for name, amount in given.items():
        if amount is None or amount <= 0:
            errors[name] = page.gettext("Enter an amount greater than zero.")
    if not given:
        errors["budget"] = page.gettext("Enter a budget, or a gross salary.")
    elif len(given) > 1 and not errors:
        errors["gross"] = page.gettext("Enter a budget or a gross salary, not both.")
    if not days.isdigit() or not 1 <= int(days) <= 31:
        errors["worked_days"] = page.gettext("Enter a number of days from 1 to 31.")
    if errors:
        return page.render("simulate.html", status_code=422, result=None, errors=errors)
    ((name, amount),) = given.items()
    assert amount is not None
    response = await page.api("POST", "/api/v1/payroll/simulate",
                              json={name: str(amount.quantize(CENT)), "worked_days": int(days)})
    if response.status_code != 200:
        return page.render("simulate.html", status_code=response.status_code, result=None,
                           errors=field_errors(page.problem(response), page.gettext, page.language,
                                               known={"budget", "gross", "worked_days"}))
    return page.render("simulate.html", result=response.json(), errors={}, started_from=name)


def _requests_page(page: MemberPage, activities: list[dict[str, object]], requests: list[dict[str, object]],
                   payslips: list[dict[str, object]], errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("salary_requests.html", status_code=status_code, activities=activities, requests=requests,
                       payslips=payslips, errors=errors)


async def _lists(page: MemberPage) -> tuple[list[dict[str, object]], list[dict[str, object]],
                                            list[dict[str, object]]]:
    return (await page.items("/api/v1/activities"), await page.items("/api/v1/salary-requests"),
            await page.items("/api/v1/payslips"))


@router.get("/salary/requests")
async def salary_requests(page: MemberPage) -> Response:
    return _requests_page(page, *await _lists(page), errors={})


@router.post("/salary/requests")
async def request_salary(page: MemberForm) -> Response:
    errors: dict[str, str] = {}
    budget = parse_amount(page.value("budget"))
    if budget is None or budget <= 0:
        errors["budget"] = page.gettext("Enter an amount greater than zero.")
    try:
        first = date.fromisoformat(page.value("first_work_day"))
    except ValueError:
        errors["first_work_day"] = page.gettext("Enter a date.")
    days = page.value("work_days", "1")
    if not days.isdigit() or not 1 <= int(days) <= 31:
        errors["work_days"] = page.gettext("Enter a number of days from 1 to 31.")
    if not page.value("activity_id"):
        errors["activity_id"] = page.gettext("Choose an activity.")
    if errors or budget is None:
        return _requests_page(page, *await _lists(page), errors=errors, status_code=422)
    dates = [(first + timedelta(days=n)).isoformat() for n in range(int(days))]
    response = await page.api("POST", "/api/v1/salary-requests", json={
        "activity_id": page.value("activity_id"), "work_dates": dates, "budget": str(budget.quantize(CENT))})
    if response.status_code != 201:
        found = field_errors(page.problem(response), page.gettext, page.language,
                             known={"activity_id", "budget", "employment_budget", "work_dates"})
        renamed = {"work_dates": "first_work_day", "employment_budget": "budget"}
        found = {renamed.get(k, k): v for k, v in found.items()}
        return _requests_page(page, *await _lists(page), errors=found, status_code=response.status_code)
    return page.redirect("/app/salary/requests", page.gettext("Your contract is signed; the payslip follows."))


@router.get("/payslips/{payslip_id}/pdf")
async def payslip_pdf(payslip_id: str, page: MemberPage) -> Response:
    response = await page.api("GET", f"/api/v1/payslips/{payslip_id}/pdf")
    if response.status_code != 200:
        raise PageNotFound()
    return Response(response.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="payslip-{payslip_id[:8]}.pdf"'})
