"""Dependencies shared by the routers: the use-case context, who is calling, cursors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coop_shared.auth.dependencies import require_role
from coop_shared.auth.principal import Principal, Role
from governance.service_layer.context import Context, context_of


def get_context(request: Request) -> Context:
    return context_of(request.app.state.runtime)


ContextDep = Annotated[Context, Depends(get_context)]

AdminOnly = Annotated[Principal, Depends(require_role(Role.ADMIN))]
