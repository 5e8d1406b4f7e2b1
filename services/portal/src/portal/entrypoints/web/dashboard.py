"""The dashboard: standing, shares, and per activity its budget, advance and unpaid invoices."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberPage, PageContext

router = APIRouter(prefix="/app")

UNPAID = {"issued", "sent", "partially_paid"}


async def _activity_figures(page: PageContext, activity: dict[str, Any]) -> dict[str, Any]:
    ledger, invoices = await asyncio.gather(
        page.api("GET", f"/api/v1/ledger/activities/{activity['id']}", params={"limit": 1}),
        page.items("/api/v1/invoices", activity_id=activity["id"]),
    )
    figures = ledger.json() if ledger.status_code == 200 else {}
    unpaid = [i for i in invoices if i["status"] in UNPAID]
    overdue = [i for i in unpaid if i.get("overdue")]
    return {**activity, "available_budget": figures.get("available_budget"),
            "outstanding_advance": figures.get("outstanding_advance"),
            "unpaid": len(unpaid), "overdue": len(overdue)}


@router.get("/")
async def dashboard(page: MemberPage) -> Response:
    me = await page.get_json("/api/v1/members/me")
    activities = await page.items("/api/v1/activities")
    figures = await asyncio.gather(*(_activity_figures(page, a) for a in activities))
    payslips = await page.items("/api/v1/payslips")
    return page.render("dashboard.html", me=me, activities=figures, payslip=payslips[0] if payslips else None)
