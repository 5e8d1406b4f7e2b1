"""Portal: the web application members, advisors and administrators use, served under /app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from coop_shared.service import Runtime, create_service_app
from portal.adapters.session_store import INDEXES
from portal.config import PortalSettings
from portal.context import Context, build_context, context_of
from portal.entrypoints.web import (
    activities,
    admin,
    assemblies,
    auth,
    clients,
    dashboard,
    expenses,
    inbox,
    invoices,
    preferences,
    profile,
    quotes,
    review,
    salary,
    shares,
)
from portal.entrypoints.web.context import CsrfRefused, LoginRequired, PageContext, PageNotFound, error_page
from portal.entrypoints.web.security import SecurityHeadersMiddleware

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    app: FastAPI

    async def bootstrap(runtime: Runtime) -> Context:
        return build_context(runtime, settings)

    async def stop(runtime: Runtime) -> None:
        await context_of(runtime).http.aclose()

    app = create_service_app(
        settings, title="Portal", description="Server-rendered pages over the public API.",
        routers=[auth.router, dashboard.router, shares.router, activities.router, clients.router,
                 invoices.router, salary.router, inbox.router, profile.router, assemblies.router,
                 expenses.router, review.router, admin.router, preferences.router,
                 quotes.router],
        indexes=INDEXES, bootstrap=bootstrap, on_shutdown=[stop], messaging=False,
    )
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(SecurityHeadersMiddleware)

    @app.middleware("http")
    async def keep_session(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        page: PageContext | None = getattr(request.state, "page", None)
        if page is not None:
            await page.finish(response)
        return response

    @app.get("/app", include_in_schema=False)
    async def app_root() -> Response:
        return RedirectResponse("/app/", status_code=307)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/app/login"})
        return RedirectResponse("/app/login", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return error_page(request, 403)

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, exc: PageNotFound) -> Response:
        return error_page(request, 404)

    return app
