"""/app and /static go to the portal: the person's address passed on, cookies passed through one by one and
never remembered by the gateway's shared client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from coop_shared.testing.fixtures import running, serving
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway


def _portal() -> FastAPI:
    app = FastAPI()

    @app.api_route("/app/{path:path}", methods=["GET", "POST"])
    async def page(path: str, request: Request) -> JSONResponse:
        response = JSONResponse({"path": request.url.path, "cookie": request.headers.get("cookie"),
                                 "forwarded_for": request.headers.get("x-forwarded-for"),
                                 "body": (await request.body()).decode()})
        response.set_cookie("coop_portal", "session-of-" + path, httponly=True, samesite="lax")
        response.set_cookie("other", "x")
        return response

    @app.get("/static/{path:path}")
    async def static(path: str) -> JSONResponse:
        return JSONResponse({"file": path})

    return app


async def test_pages_and_files_reach_the_portal_without_cookies_leaking(settings_for: Callable[..., Any]) -> None:
    port = free_port()
    async with serving(_portal(), port) as portal_url:
        settings = settings_for(GatewaySettings, portal_url=portal_url)
        async with running(create_gateway(settings)) as gateway:
            first = await gateway.post("/app/login", content=b"email=a", headers={"Cookie": "coop_portal=mine"})
            assert first.status_code == 200
            assert first.json() == {"path": "/app/login", "cookie": "coop_portal=mine",
                                    "forwarded_for": "127.0.0.1", "body": "email=a"}
            # Both cookies arrive as separate headers, never folded into one.
            assert sorted(c.split("=")[0] for c in first.headers.get_list("set-cookie")) == ["coop_portal", "other"]

            gateway.cookies.clear()
            second = await gateway.get("/app/dashboard")
            assert second.json()["cookie"] is None  # the gateway did not keep the first person's session
            assert (await gateway.get("/static/vendor/htmx.min.js")).json() == {"file": "vendor/htmx.min.js"}
            assert (await gateway.get("/app/%2e%2e/api/v1/members")).status_code == 404  # no traversal
