"""/api/v1/clients: an activity's clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from coop_shared.auth.dependencies import CurrentPrincipal
from coop_shared.http.idempotency import idempotent_route
from coop_shared.http.pagination import PageParams, page_params
from invoicing.entrypoints.api import presenters
from invoicing.entrypoints.api.deps import Clients, ContextDep
from invoicing.entrypoints.api.schemas import ClientCreate, ClientOut, ClientPage, ClientPatch

router = APIRouter(prefix="/api/v1/clients", tags=["clients"])

_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown client or activity, or not yours"},
    409: {"description": "Duplicate VAT number for this activity, or concurrent change"},
    422: {"description": "Invalid VAT number, country, e-mail..., with the field at fault"},
}


@router.post("", status_code=201, response_model=ClientOut, responses=_ERRORS, summary="Add a client")
@idempotent_route("clients.create:{principal.id}")
async def create_client(body: ClientCreate, principal: CurrentPrincipal, ctx: ContextDep,
                        clients: Clients) -> BaseModel:
    doc = await clients.create(principal, body.activity_id, body.model_dump(exclude={"activity_id"}))
    return presenters.client_out(doc)


@router.get("", response_model=ClientPage, summary="List clients (newest first)")
async def list_clients(principal: CurrentPrincipal, clients: Clients,
                       page: Annotated[PageParams, Depends(page_params)],
                       activity_id: Annotated[str | None, Query(max_length=100)] = None) -> ClientPage:
    docs, cursor = await clients.list(principal, activity_id, page.limit, page.cursor)
    return ClientPage(items=[presenters.client_out(d) for d in docs], next_cursor=cursor)


@router.get("/{client_id}", response_model=ClientOut, responses=_ERRORS, summary="A client")
async def get_client(client_id: str, principal: CurrentPrincipal, clients: Clients) -> ClientOut:
    return presenters.client_out(await clients.get(principal, client_id))


@router.patch("/{client_id}", response_model=ClientOut, responses=_ERRORS,
              summary="Change a client (documents already made keep their copy)")
async def patch_client(client_id: str, body: ClientPatch, principal: CurrentPrincipal,
                       clients: Clients) -> ClientOut:
    changes = body.model_dump(exclude_unset=True)
    return presenters.client_out(await clients.update(principal, client_id, changes))
