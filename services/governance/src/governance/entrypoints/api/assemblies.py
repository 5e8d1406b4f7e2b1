"""/api/v1/assemblies: create, agenda, lifecycle, results and minutes."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.idempotency import idempotent_route, no_fingerprint
from coop_shared.http.pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from coop_shared.persistence.keyset import next_cursor, position
from governance.adapters.assemblies import result_to_doc
from governance.adapters.minutes_pdf import render_minutes_pdf
from governance.domain.lifecycle import AssemblyKind, AssemblyState
from governance.entrypoints.api.deps import AdminOnly, ContextDep
from governance.entrypoints.api.schemas import (
    AssemblyOut,
    CreateAssembly,
    CreateResolution,
    ElectorOut,
    RecountOut,
    ResolutionOut,
    ResultsOut,
    YourPart,
    assembly_out,
    resolutions_out,
    results_out,
)
from governance.service_layer import assemblies as use_cases
from governance.service_layer import results as counting
from governance.service_layer.context import Context

router = APIRouter(prefix="/api/v1/assemblies", tags=["assemblies"])

_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such assembly (drafts are visible to admins only)"},
    409: {"description": "Not allowed in the assembly's current state (code says why)"},
}


async def _your_part(ctx: Context, assembly_id: str, member_id: str) -> YourPart:
    in_electorate = bool(await ctx.assemblies.electors_among(assembly_id, {member_id}))
    proxies = await ctx.proxies.involving(assembly_id, {member_id})
    return YourPart(
        in_electorate=in_electorate,
        proxy_given_to=next((p.holder_id for p in proxies if p.giver_id == member_id), None),
        proxies_held_from=sorted(p.giver_id for p in proxies if p.holder_id == member_id),
        voted=await ctx.ballots.voted_resolutions(assembly_id, member_id),
    )


@router.post("", status_code=201, response_model=AssemblyOut, summary="Create a draft assembly (admin)",
             responses={422: {"description": "Invalid window or values"}})
@idempotent_route("assemblies:create:{admin.id}")
async def create_assembly(body: CreateAssembly, admin: AdminOnly, ctx: ContextDep) -> AssemblyOut:
    doc = await use_cases.create_assembly(
        ctx, admin_id=admin.id, kind=AssemblyKind(body.kind), title=body.title, opens_at=body.opens_at,
        closes_at=body.closes_at, allow_vote_change=body.allow_vote_change,
        max_proxies_per_voter=body.max_proxies_per_voter)
    return assembly_out(doc)


@router.get("", response_model=Page[AssemblyOut], summary="List assemblies (newest first)")
async def list_assemblies(
    principal: PersonPrincipal, ctx: ContextDep, page: Annotated[PageParams, Depends(page_params)],
    state: Annotated[AssemblyState | None, Query(description="Only assemblies in this state.")] = None,
    kind: Annotated[AssemblyKind | None, Query()] = None,
) -> Page[AssemblyOut]:
    docs = await ctx.assemblies.page(include_drafts=principal.is_admin, state=state.value if state else None,
                                     kind=kind.value if kind else None, limit=page.limit,
                                     after=position(page.cursor))
    return Page(items=[assembly_out(d) for d in docs], next_cursor=next_cursor(docs, page.limit, "created_at"))


@router.get("/{assembly_id}", response_model=AssemblyOut, responses=_ERRORS,
            summary="One assembly, with the caller's own part in it")
async def get_assembly(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep) -> AssemblyOut:
    doc = await use_cases.load(ctx, assembly_id, include_draft=principal.is_admin)
    you = None if doc["state"] == AssemblyState.DRAFT.value else await _your_part(ctx, assembly_id, principal.id)
    return assembly_out(doc, you)


@router.post("/{assembly_id}/convene", response_model=AssemblyOut, responses=_ERRORS,
             summary="Convene: freeze the agenda and the electorate, tell the electorate (admin)")
@idempotent_route("assemblies:convene:{assembly_id}", fingerprint=no_fingerprint)
async def convene(assembly_id: str, admin: AdminOnly, ctx: ContextDep) -> AssemblyOut:
    return assembly_out(await use_cases.convene(ctx, assembly_id, admin.id))


@router.post("/{assembly_id}/open-voting", response_model=AssemblyOut, responses=_ERRORS,
             summary="Open the vote, once the window has started (admin)")
@idempotent_route("assemblies:open-voting:{assembly_id}", fingerprint=no_fingerprint)
async def open_voting(assembly_id: str, _: AdminOnly, ctx: ContextDep) -> AssemblyOut:
    return assembly_out(await use_cases.open_voting(ctx, assembly_id))


@router.post("/{assembly_id}/close-voting", response_model=AssemblyOut, responses=_ERRORS,
             summary="Close the vote once the window has ended; results are counted and published (admin)")
@idempotent_route("assemblies:close-voting:{assembly_id}", fingerprint=no_fingerprint)
async def close_voting(assembly_id: str, _: AdminOnly, ctx: ContextDep) -> AssemblyOut:
    return assembly_out(await use_cases.close_voting(ctx, assembly_id))


@router.post("/{assembly_id}/resolutions", status_code=201, response_model=ResolutionOut, responses=_ERRORS,
             summary="Add a resolution to a draft's agenda (admin)")
@idempotent_route("resolutions:add:{assembly_id}")
async def add_resolution(assembly_id: str, body: CreateResolution, admin: AdminOnly, ctx: ContextDep) -> ResolutionOut:
    doc, resolution = await use_cases.add_resolution(ctx, assembly_id, text=body.text, majority=body.majority,
                                                     quorum=Fraction(body.quorum), ballot=body.ballot)
    return next(r for r in resolutions_out(doc) if r.id == resolution.id)


@router.get("/{assembly_id}/resolutions", response_model=Page[ResolutionOut], responses=_ERRORS,
            summary="The agenda, in order (at most 100 resolutions: one page)")
async def list_resolutions(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep) -> Page[ResolutionOut]:
    doc = await use_cases.load(ctx, assembly_id, include_draft=principal.is_admin)
    return Page(items=resolutions_out(doc))


@router.get("/{assembly_id}/results", response_model=ResultsOut, responses=_ERRORS,
            summary="Published results with counts, quorum and outcome per resolution")
async def get_results(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep) -> ResultsOut:
    doc = await use_cases.load(ctx, assembly_id, include_draft=principal.is_admin)
    if doc["state"] != AssemblyState.RESULTS_PUBLISHED.value:
        raise ApiError(409, "results_not_published", "Results are published when voting closes.", field="state")
    return ResultsOut(assembly_id=doc["_id"], electorate_size=doc["electorate_size"],
                      participants=doc["participants"], published_at=doc["published_at"],
                      results=results_out(doc, doc["results"]))


@router.get("/{assembly_id}/results/recount", response_model=RecountOut, responses=_ERRORS,
            summary="Count the stored ballots again and compare with the published results (admin)")
async def recount(assembly_id: str, admin: AdminOnly, ctx: ContextDep) -> RecountOut:
    doc = await use_cases.load(ctx, assembly_id, include_draft=True)
    again = await counting.recount(ctx, doc)
    recounted = [result_to_doc(again[r["id"]]) for r in doc["agenda"]]
    return RecountOut(matches=recounted == doc["results"], published=results_out(doc, doc["results"]),
                      recounted=results_out(doc, recounted))


@router.get("/{assembly_id}/minutes", responses={**_ERRORS, 200: {
    "content": {"text/plain": {}, "application/pdf": {}},
    "description": "The minutes; open ballots list who voted how, secret ballots only counts"}},
    summary="Minutes of a closed assembly, as text or PDF", response_class=Response)
async def get_minutes(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep,
                      format: Annotated[Literal["text", "pdf"], Query()] = "text") -> Response:
    doc = await use_cases.load(ctx, assembly_id, include_draft=principal.is_admin)
    minutes = await counting.minutes(ctx, doc)
    if format == "text":
        return PlainTextResponse(minutes.to_text())
    # reportlab is CPU-bound: keep it off the event loop.
    pdf = await anyio.to_thread.run_sync(render_minutes_pdf, minutes)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="minutes-{assembly_id}.pdf"'})


@router.get("/{assembly_id}/electorate", response_model=Page[ElectorOut], responses=_ERRORS,
            summary="The frozen electorate, by member id (admin)")
async def get_electorate(assembly_id: str, admin: AdminOnly, ctx: ContextDep,
                         page: Annotated[PageParams, Depends(page_params)]) -> Page[ElectorOut]:
    await use_cases.load(ctx, assembly_id, include_draft=True)
    after = decode_cursor(page.cursor)
    if after is not None and not isinstance(after.get("m"), str):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor")
    members = [m async for m in ctx.assemblies.iter_electorate(
        assembly_id, after=after["m"] if after else None, limit=page.limit)]
    cursor = encode_cursor({"m": members[-1]}) if len(members) == page.limit else None
    return Page(items=[ElectorOut(member_id=m) for m in members], next_cursor=cursor)
