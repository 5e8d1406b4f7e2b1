"""/health/live, /health/ready and /metrics, the same on every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[dict[str, object]]]


def health_router(checks: Callable[[Request], dict[str, ReadinessCheck]], timeout: float = 2.0,
                  show_details: Callable[[Request], bool] | None = None) -> APIRouter:
    """``show_details``: who may see each check's report (counters, upstream
    states); others get the overall status only, with the same status code."""
    router = APIRouter(tags=["ops"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", summary="Dependencies answer (MongoDB, RabbitMQ, upstreams)",
                responses={503: {"description": "A dependency is down"}})
    async def ready(request: Request) -> JSONResponse:
        named = checks(request)
        results = await asyncio.gather(
            *(asyncio.wait_for(check(), timeout) for check in named.values()), return_exceptions=True
        )
        report: dict[str, object] = {}
        healthy = True
        for name, result in zip(named, results, strict=True):
            if isinstance(result, BaseException):
                healthy = False
                report[name] = {"status": "down", "error": f"{type(result).__name__}: {result}"[:300]}
            else:
                # A check may be informational ("required": False): reported, but
                # it does not take this instance out of the load balancer.
                ok = result.get("status") == "ok" or result.get("required") is False
                healthy = healthy and ok
                report[name] = result
        body: dict[str, object] = {"status": "ok" if healthy else "down"}
        if show_details is None or show_details(request):
            body["checks"] = report
        return JSONResponse(body, status_code=200 if healthy else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        measures = getattr(request.app.state, "measures", None)
        if measures is not None:  # business gauges, read from the database at most every few seconds
            await measures.refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
