"""Recommendations: members propose, admins track each one to an outcome."""

from __future__ import annotations

import uuid

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.clock import to_millis
from governance.adapters.recommendations import to_domain
from governance.domain.recommendations import Recommendation, RecommendationStatus
from governance.service_layer import events
from governance.service_layer.assemblies import load
from governance.service_layer.context import Context
from governance.service_layer.errors import Conflict, NotFound


async def submit(ctx: Context, *, author_id: str, title: str, text: str, assembly_id: str | None) -> Recommendation:
    if assembly_id is not None:
        await load(ctx, assembly_id, include_draft=False)
    recommendation = Recommendation(id=str(uuid.uuid4()), author_id=author_id, text=text.strip(),
                                    submitted_at=to_millis(ctx.clock.now()), assembly_id=assembly_id,
                                    title=title.strip())
    envelope = events.recommendation_submitted(ctx, recommendation)

    async def work(session: AsyncClientSession) -> None:
        await ctx.recommendations.add(recommendation, session)
        await ctx.runtime.outbox.add([envelope], session=session)

    await ctx.runtime.commit(work)
    return recommendation


async def get(ctx: Context, recommendation_id: str) -> Recommendation:
    doc = await ctx.recommendations.get(recommendation_id)
    if doc is None:
        raise NotFound("recommendation_not_found", "No such recommendation.")
    return to_domain(doc)


async def change_status(ctx: Context, recommendation_id: str, *, to: RecommendationStatus,
                        note: str) -> Recommendation:
    doc = await ctx.recommendations.get(recommendation_id)
    if doc is None:
        raise NotFound("recommendation_not_found", "No such recommendation.")
    recommendation = to_domain(doc)
    recommendation.transition(to, to_millis(ctx.clock.now()), note.strip())
    envelope = events.recommendation_status_changed(ctx, recommendation, recommendation.history[-1])

    async def work(session: AsyncClientSession) -> None:
        if not await ctx.recommendations.save(recommendation, doc["version"], session):
            raise Conflict("concurrent_update", "The recommendation changed at the same time; read it again.")
        await ctx.runtime.outbox.add([envelope], session=session)

    await ctx.runtime.commit(work)
    return recommendation
