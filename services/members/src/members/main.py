"""Members service: accounts and tokens, people, cooperative shares, activities."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from coop_shared.http.errors import error_response
from coop_shared.service import Runtime, create_service_app
from members.adapters.indexes import INDEXES
from members.bootstrap import bootstrap_admin, build_context, own_verifier
from members.config import MembersSettings
from members.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Throttled,
)
from members.entrypoints.api import activities, admin, auth, members, shares
from members.service_layer.context import Context, context_of

DOMAIN_ERRORS: dict[type[Exception], int] = {
    DomainError: 400, InvalidInput: 422, NotFound: 404, Conflict: 409, Forbidden: 403, AuthenticationFailed: 401,
}


async def _throttled(_: Request, exc: Exception) -> JSONResponse:
    retry_after = exc.retry_after if isinstance(exc, Throttled) else 60
    return error_response(429, getattr(exc, "code", "too_many_requests"), getattr(exc, "message", str(exc)),
                          headers={"Retry-After": str(retry_after)})


def create_app(settings: MembersSettings | None = None) -> FastAPI:
    settings = settings or MembersSettings()
    app: FastAPI

    async def bootstrap(runtime: Runtime) -> Context:
        return await build_context(runtime, settings)

    async def start(runtime: Runtime) -> None:
        ctx = context_of(runtime)
        app.state.token_verifier = own_verifier(ctx)
        await bootstrap_admin(ctx)

    app = create_service_app(
        settings,
        title="Members service",
        description="Accounts and tokens (JWKS), members, the cooperative share register, activities.",
        routers=[auth.router, members.router, shares.router, activities.router, admin.router],
        indexes=INDEXES,
        domain_errors=DOMAIN_ERRORS,
        bootstrap=bootstrap,
        on_startup=[start],
        consume_token_versions=False,  # members bumps the versions itself, in the same transaction
    )
    app.add_exception_handler(Throttled, _throttled)
    return app
