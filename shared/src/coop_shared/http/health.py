"""/health/live, /health/ready and /metrics, the same on every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[dict[str, object]]]


def health_router(checks: Callable[[Request], dict[str, ReadinessCheck]], timeout: float = 2.0) -> APIRouter:
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
        return JSONResponse({"status": "ok" if healthy else "down", "checks": report},
                            status_code=200 if healthy else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
