"""The member's inbox."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage

router = APIRouter(prefix="/app")


@router.get("/inbox")
async def inbox(page: MemberPage) -> Response:
    return page.render("inbox.html", items=await page.items("/api/v1/inbox"))


@router.post("/inbox/read-all")
async def read_all(page: MemberForm) -> Response:
    await page.api("POST", "/api/v1/inbox/read-all")
    return page.redirect("/app/inbox")
