"""``GET /admin/jobs``: the service's jobs, their schedule, last run and outcome, next run (admin).

Served twice: at ``/admin/jobs`` inside the service, and at
``/api/v1/admin/jobs/<service>`` for the gateway's allow-list.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.http.errors import ApiError


class JobOut(BaseModel):
    service: str
    name: str
    description: str
    schedule: str = Field(description='e.g. "every 5s", "daily at 07:00" (Europe/Brussels)')
    last_run_at: datetime | None
    last_outcome: str | None = Field(description="ok | failed | interrupted | null (never run)")
    last_error: str | None
    last_result: str | None
    next_run_at: datetime | None
    running: bool
    runs: int
    consecutive_failures: int


class JobsOut(BaseModel):
    items: list[JobOut]


def jobs_router(service: str) -> APIRouter:
    router = APIRouter(tags=["scheduled jobs"])

    async def list_jobs(request: Request, _: AdminPrincipal) -> JobsOut:
        scheduler = getattr(request.app.state.runtime, "scheduler", None)
        if scheduler is None:
            raise ApiError(503, "scheduler_not_running", "The service is starting.")
        return JobsOut(items=[JobOut.model_validate(s) for s in await scheduler.states()])

    router.add_api_route("/admin/jobs", list_jobs, methods=["GET"], response_model=JobsOut,
                         summary="Scheduled jobs of this service (admin)", include_in_schema=False)
    # Named per service: the gateway merges every service's document, and operation ids must stay unique.
    router.add_api_route(f"/api/v1/admin/jobs/{service}", list_jobs, methods=["GET"], response_model=JobsOut,
                         name=f"list_{service}_jobs", summary=f"Scheduled jobs of the {service} service (admin)")
    return router
