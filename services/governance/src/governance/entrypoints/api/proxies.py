"""/api/v1/assemblies/{id}/proxies: a member lets another member of the electorate vote for them."""

from __future__ import annotations

from fastapi import APIRouter

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.idempotency import idempotent_route
from governance.entrypoints.api.deps import ContextDep
from governance.entrypoints.api.schemas import MyProxies, ProxyOut, RegisterProxy, proxy_out
from governance.service_layer import voting

router = APIRouter(prefix="/api/v1/assemblies/{assembly_id}/proxies", tags=["proxies"])


@router.post("", status_code=201, response_model=ProxyOut, summary="Give your proxy to another elector",
             responses={403: {"description": "You or the holder are not in the electorate"},
                        404: {"description": "No such assembly"},
                        409: {"description": "Registration closed, proxy already given, holder's limit, chain"}})
@idempotent_route("proxies:{assembly_id}:{principal.id}")
async def register_proxy(assembly_id: str, body: RegisterProxy, principal: PersonPrincipal,
                         ctx: ContextDep) -> ProxyOut:
    proxy = await voting.register_proxy(ctx, assembly_id, principal.id, body.holder_id)
    return proxy_out(assembly_id, proxy)


@router.get("", response_model=MyProxies, summary="The proxy you gave and those you hold",
            responses={404: {"description": "No such assembly"}})
async def my_proxies(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep) -> MyProxies:
    given, held = await voting.proxies_of(ctx, assembly_id, principal.id)
    return MyProxies(given=proxy_out(assembly_id, given) if given else None,
                     held=[proxy_out(assembly_id, p) for p in held])


@router.delete("/given", response_model=ProxyOut, summary="Withdraw the proxy you gave (before voting opens)",
               responses={404: {"description": "No such assembly, or no proxy given"},
                          409: {"description": "Voting has opened"}})
async def withdraw_proxy(assembly_id: str, principal: PersonPrincipal, ctx: ContextDep) -> ProxyOut:
    return proxy_out(assembly_id, await voting.revoke_proxy(ctx, assembly_id, principal.id))
