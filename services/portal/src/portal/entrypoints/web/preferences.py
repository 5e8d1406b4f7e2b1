"""Notification preferences: per kind of event, inbox and e-mail on or off (critical ones always reach the inbox)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from portal.entrypoints.web.context import MemberForm, MemberPage

router = APIRouter(prefix="/app")


@router.get("/preferences")
async def preferences(page: MemberPage) -> Response:
    found = await page.get_json("/api/v1/preferences")
    return page.render("preferences.html", preferences=found["preferences"])


@router.post("/preferences")
async def save_preferences(page: MemberForm) -> Response:
    current = (await page.get_json("/api/v1/preferences"))["preferences"]
    chosen = [{"event_type": p["event_type"], "inbox": page.value(f"inbox-{p['event_type']}") == "on",
               "email": page.value(f"email-{p['event_type']}") == "on"} for p in current]
    response = await page.api("PUT", "/api/v1/preferences", json={"preferences": chosen})
    response.raise_for_status()
    return page.redirect("/app/preferences", page.gettext("Your choices are saved."))
