"""GET /api/v1/admin/jobs (admin): every service's scheduled jobs in one list.

Each service serves its own at ``/admin/jobs`` (and ``/api/v1/admin/jobs/<service>``
through the allow-list); this asks them all at once with the caller's token,
so each service still checks the admin role itself. A service that does not
answer is named in ``unavailable`` rather than failing the whole list.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from fastapi import APIRouter, Request
from pydantic import BaseModel

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.jobs.api import JobOut
from gateway.entrypoints.api.deps import get_context

router = APIRouter(tags=["scheduled jobs"])


class AllJobsOut(BaseModel):
    items: list[JobOut]
    unavailable: list[str]


async def _jobs_of(session: aiohttp.ClientSession, name: str, base: str,
                   authorization: str) -> tuple[str, list[dict[str, Any]] | None]:
    try:
        async with session.get(base.rstrip("/") + "/admin/jobs", headers={"Authorization": authorization},
                               timeout=aiohttp.ClientTimeout(total=3.0)) as answer:
            answer.raise_for_status()
            items: list[dict[str, Any]] = (await answer.json(content_type=None))["items"]
        return name, items
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
        return name, None


@router.get("/api/v1/admin/jobs", response_model=AllJobsOut,
            summary="Scheduled jobs of every service: schedule, last run, last outcome, next run (admin)")
async def all_jobs(request: Request, _: AdminPrincipal) -> AllJobsOut:
    ctx = get_context(request)
    authorization = request.headers.get("Authorization", "")
    answers = await asyncio.gather(*(_jobs_of(ctx.upstream, name, url, authorization)
                                     for name, url in ctx.upstreams.items()))
    items = [JobOut.model_validate(s) for s in await request.app.state.runtime.scheduler.states()]
    unavailable = []
    for name, jobs in answers:
        if jobs is None:
            unavailable.append(name)
        else:
            items.extend(JobOut.model_validate(job) for job in jobs)
    return AllJobsOut(items=items, unavailable=unavailable)
