"""Assemblies: the convocation and agenda, voting one person one vote, the results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from coop_shared.clock import COOPERATIVE_TZ
from portal.entrypoints.web.context import MemberForm, MemberPage, PageContext, PageNotFound
from portal.entrypoints.web.errors import field_errors

router = APIRouter(prefix="/app")

CHOICES = ("for", "against", "abstain")
MAJORITIES = ("simple", "two_thirds", "three_quarters")
ADMIN_STEPS = {"convene": "convene", "open": "open-voting", "close": "close-voting"}


def _require_admin(page: PageContext) -> None:
    if page.session.role != "admin":
        raise PageNotFound()


def _local(value: str) -> str | None:
    """A datetime-local field, read as Brussels time (what the people of the cooperative see on their clocks)."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=COOPERATIVE_TZ).isoformat()
    except ValueError:
        return None


@router.get("/assemblies")
async def assemblies(page: MemberPage) -> Response:
    return page.render("assemblies.html", assemblies=await page.items("/api/v1/assemblies"))


@router.get("/assemblies/{assembly_id}")
async def assembly(assembly_id: str, page: MemberPage) -> Response:
    found = await page.get_json(f"/api/v1/assemblies/{assembly_id}")
    results = None
    if found["state"] == "results_published":
        answer = await page.api("GET", f"/api/v1/assemblies/{assembly_id}/results")
        results = {r["resolution_id"]: r for r in answer.json()["results"]} if answer.status_code == 200 else None
    return _assembly_page(page, found, results, errors={})


def _assembly_page(page: PageContext, found: dict[str, Any], results: dict[str, Any] | None,
                   errors: dict[str, str], status_code: int = 200) -> Response:
    you = found.get("you") or {}
    voted: dict[str, list[str]] = you.get("voted") or {}
    # One ballot per elector the person votes for: themselves (unless they gave their proxy) and each giver.
    electors = [] if not you.get("in_electorate") or you.get("proxy_given_to") else [page.session.member_id]
    electors += you.get("proxies_held_from") or []
    return page.render("assembly.html", status_code=status_code, assembly=found, results=results, voted=voted,
                       electors=electors, choices=CHOICES, majorities=MAJORITIES, errors=errors)


@router.get("/assemblies/{assembly_id}/minutes")
async def minutes(assembly_id: str, page: MemberPage) -> Response:
    """The minutes as the governance service prints them (open ballots name the voters, secret ones only count)."""
    response = await page.api("GET", f"/api/v1/assemblies/{assembly_id}/minutes", params={"format": "pdf"})
    if response.status_code != 200:
        raise PageNotFound()
    return Response(response.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="minutes-{assembly_id[:8]}.pdf"'})


@router.get("/admin/assemblies/new")
async def new_assembly(page: MemberPage) -> Response:
    _require_admin(page)
    return page.render("assembly_new.html", errors={})


@router.post("/admin/assemblies/new")
async def create_assembly(page: MemberForm) -> Response:
    _require_admin(page)
    opens, closes = _local(page.value("opens_at")), _local(page.value("closes_at"))
    errors = {name: page.gettext("Enter a date and time.") for name, v in (("opens_at", opens), ("closes_at", closes))
              if v is None}
    if not errors:
        response = await page.api("POST", "/api/v1/assemblies", json={
            "kind": page.value("kind", "general"), "title": page.value("title"), "opens_at": opens,
            "closes_at": closes})
        if response.status_code == 201:
            return page.redirect(f"/app/assemblies/{response.json()['id']}", page.gettext("Assembly created."))
        errors = field_errors(page.problem(response), page.gettext, page.language,
                              known={"kind", "title", "opens_at", "closes_at"})
    return page.render("assembly_new.html", status_code=422, errors=errors)


@router.post("/admin/assemblies/{assembly_id}/resolutions")
async def add_resolution(assembly_id: str, page: MemberForm) -> Response:
    _require_admin(page)
    response = await page.api("POST", f"/api/v1/assemblies/{assembly_id}/resolutions", json={
        "text": page.value("text"), "majority": page.value("majority", "simple"), "quorum": page.value("quorum", "0"),
        "ballot": page.value("ballot", "open")})
    if response.status_code == 404:
        raise PageNotFound()
    if response.status_code != 201:
        return page.redirect(f"/app/assemblies/{assembly_id}", page.error_message(response))
    return page.redirect(f"/app/assemblies/{assembly_id}", page.gettext("Resolution added."))


@router.post("/admin/assemblies/{assembly_id}/{step}")
async def assembly_step(assembly_id: str, step: str, page: MemberForm) -> Response:
    _require_admin(page)
    if step not in ADMIN_STEPS:
        raise PageNotFound()
    response = await page.api("POST", f"/api/v1/assemblies/{assembly_id}/{ADMIN_STEPS[step]}")
    if response.status_code == 404:
        raise PageNotFound()
    message = page.gettext("Done.") if response.status_code == 200 else page.error_message(response)
    return page.redirect(f"/app/assemblies/{assembly_id}", message)


@router.post("/assemblies/{assembly_id}/resolutions/{resolution_id}/vote")
async def vote(assembly_id: str, resolution_id: str, page: MemberForm) -> Response:
    choice = page.value("choice")
    if choice not in CHOICES:
        raise PageNotFound()
    on_behalf_of = page.value("on_behalf_of") or None
    response = await page.api("POST", f"/api/v1/resolutions/{resolution_id}/votes",
                              json={"choice": choice, "on_behalf_of": on_behalf_of})
    if response.status_code == 404:
        raise PageNotFound()
    if response.status_code != 201:
        return page.redirect(f"/app/assemblies/{assembly_id}", page.error_message(response))
    return page.redirect(f"/app/assemblies/{assembly_id}", page.gettext("Your vote is recorded."))


@router.post("/assemblies/{assembly_id}/proxy")
async def give_proxy(assembly_id: str, page: MemberForm) -> Response:
    """The holder is named by the member number their profile shows: members do not see each other's records."""
    holder = page.value("holder_id").strip()
    errors = {"holder_id": page.gettext("Enter the member number of the person who votes for you.")} if not holder \
        else {}
    if not errors:
        response = await page.api("POST", f"/api/v1/assemblies/{assembly_id}/proxies", json={"holder_id": holder})
        if response.status_code == 201:
            return page.redirect(f"/app/assemblies/{assembly_id}", page.gettext("Your proxy is registered."))
        refusal = page.problem(response)
        if response.status_code == 404 and refusal.field is None:
            raise PageNotFound()
        # The form has one field: whatever the rule (closed, the holder's limit, outside the electorate), say it there.
        errors = {"holder_id": page.error_message(response)}
    found = await page.get_json(f"/api/v1/assemblies/{assembly_id}")
    return _assembly_page(page, found, None, errors=errors, status_code=422)


@router.post("/assemblies/{assembly_id}/proxy/withdraw")
async def withdraw_proxy(assembly_id: str, page: MemberForm) -> Response:
    response = await page.api("DELETE", f"/api/v1/assemblies/{assembly_id}/proxies/given")
    if response.status_code == 404:
        raise PageNotFound()
    message = page.gettext("Your proxy is withdrawn.") if response.status_code == 200 else page.error_message(response)
    return page.redirect(f"/app/assemblies/{assembly_id}", message)

