"""/api/v1/recommendations: members' proposals, tracked to an outcome in the open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import Page, PageParams, page_params
from coop_shared.persistence.keyset import next_cursor, position
from governance.adapters.recommendations import to_domain
from governance.domain.recommendations import Recommendation, RecommendationStatus
from governance.entrypoints.api.deps import AdminOnly, ContextDep
from governance.entrypoints.api.schemas import ChangeStatus, RecommendationOut, StatusChangeOut, SubmitRecommendation
from governance.service_layer import recommendations as use_cases

router = APIRouter(prefix="/api/v1/recommendations", tags=["recommendations"])


def _out(r: Recommendation) -> RecommendationOut:
    return RecommendationOut(
        id=r.id, author_id=r.author_id, title=r.title, text=r.text, assembly_id=r.assembly_id, status=r.status,
        submitted_at=r.submitted_at,
        history=[StatusChangeOut(from_status=h.from_status, to_status=h.to_status, at=h.at, note=h.note)
                 for h in r.history])


@router.post("", status_code=201, response_model=RecommendationOut, summary="Submit a recommendation",
             responses={404: {"description": "No such assembly"}})
@idempotent_route("recommendations:submit:{principal.id}")
async def submit(body: SubmitRecommendation, principal: PersonPrincipal, ctx: ContextDep) -> RecommendationOut:
    r = await use_cases.submit(ctx, author_id=principal.id, title=body.title, text=body.text,
                               assembly_id=body.assembly_id)
    return _out(r)


@router.get("", response_model=Page[RecommendationOut], summary="Every recommendation and its status (newest first)")
async def list_recommendations(
    _: PersonPrincipal, ctx: ContextDep, page: Annotated[PageParams, Depends(page_params)],
    status: Annotated[RecommendationStatus | None, Query()] = None,
    author_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[RecommendationOut]:
    docs = await ctx.recommendations.page(status=status.value if status else None, author_id=author_id,
                                          limit=page.limit, after=position(page.cursor))
    return Page(items=[_out(to_domain(d)) for d in docs], next_cursor=next_cursor(docs, page.limit, "submitted_at"))


@router.get("/{recommendation_id}", response_model=RecommendationOut,
            responses={404: {"description": "No such recommendation"}})
async def get_recommendation(recommendation_id: str, _: PersonPrincipal, ctx: ContextDep) -> RecommendationOut:
    return _out(await use_cases.get(ctx, recommendation_id))


@router.patch("/{recommendation_id}/status", response_model=RecommendationOut,
              summary="Move a recommendation towards its outcome (admin)",
              responses={404: {"description": "No such recommendation"},
                         409: {"description": "Not a transition its current status allows"},
                         422: {"description": "A rejection or 'not done' needs a note"}})
@idempotent_route("recommendations:status:{recommendation_id}")
async def change_status(recommendation_id: str, body: ChangeStatus, _: AdminOnly, ctx: ContextDep) -> RecommendationOut:
    r = await use_cases.change_status(ctx, recommendation_id, to=body.status, note=body.note)
    return _out(r)
