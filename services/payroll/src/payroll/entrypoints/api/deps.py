"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.principal import Principal
from coop_shared.http.pagination import PageParams, page_params
from coop_shared.service import Runtime, get_runtime
from payroll.domain.access import Viewer, ViewerRole
from payroll.service_layer.context import PayrollContext


def get_context(request: Request) -> PayrollContext:
    context: PayrollContext = request.app.state.context
    return context


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ContextDep = Annotated[PayrollContext, Depends(get_context)]
PageDep = Annotated[PageParams, Depends(page_params)]


def viewer_of(principal: Principal) -> Viewer:
    return Viewer(principal.id, ViewerRole(principal.role.value))
