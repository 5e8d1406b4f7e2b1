"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import PageParams, page_params
from members.domain.member import Role
from members.service_layer.context import Context, context_of
from members.service_layer.profiles import Viewer


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


def _viewer(principal: CurrentPrincipal) -> Viewer:
    try:
        role: Role | None = Role(principal.role.value)
    except ValueError:
        role = None  # partner keys are not people: they see no member data here
    return Viewer(id=principal.id, role=role)


async def current_viewer(principal: CurrentPrincipal) -> Viewer:
    return _viewer(principal)


async def admin_viewer(principal: AdminPrincipal, request: Request) -> Viewer:
    # The token says admin; the account must still say so too: a demoted
    # admin's access token stays valid for up to 15 minutes, its powers do not.
    account = await get_context(request).members.get(principal.id)
    if account is None or not account.is_active or account.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", "This operation needs another role.")
    return _viewer(principal)


Ctx = Annotated[Context, Depends(get_context)]
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
AdminViewer = Annotated[Viewer, Depends(admin_viewer)]
Paging = Annotated[PageParams, Depends(page_params)]
