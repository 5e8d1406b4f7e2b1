"""Shared dependencies of the HTTP routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.auth.principal import Principal, Role
from coop_shared.http.errors import ApiError
from notifications.service_layer.context import Context, context_of

WEBHOOKS_SCOPE = "webhooks:manage"


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


ContextDep = Annotated[Context, Depends(get_context)]



async def webhook_manager(principal: CurrentPrincipal) -> Principal:
    if principal.role not in (Role.PARTNER, Role.ADMIN):
        raise ApiError(403, "forbidden", "Webhooks are managed by partners and administrators.")
    if not principal.has_scope(WEBHOOKS_SCOPE):
        raise ApiError(403, "insufficient_scope", f"This API key lacks the scope {WEBHOOKS_SCOPE!r}.")
    return principal


WebhookManager = Annotated[Principal, Depends(webhook_manager)]
