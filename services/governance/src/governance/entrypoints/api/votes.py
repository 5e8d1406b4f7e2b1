"""/api/v1/resolutions/{id}/votes: one person, one vote (plus the proxies they carry)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter

from coop_shared.auth.dependencies import PersonPrincipal
from coop_shared.http.idempotency import idempotent_route
from governance.domain.resolution import BallotKind
from governance.entrypoints.api.deps import ContextDep
from governance.entrypoints.api.schemas import CastVote, VoteOut
from governance.service_layer import voting

router = APIRouter(prefix="/api/v1/resolutions", tags=["votes"])


async def _vote_fingerprint(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The replay store keeps a hash of the request and the answer: for a secret
    ballot neither may hold the choice, so it is left out of both."""
    body: CastVote = arguments["body"]
    _, resolution = await voting.find_resolution(arguments["ctx"], arguments["resolution_id"])
    fingerprint: dict[str, Any] = {"on_behalf_of": body.on_behalf_of}
    if resolution.ballot is BallotKind.OPEN:
        fingerprint["choice"] = body.choice.value
    return fingerprint


@router.post("/{resolution_id}/votes", status_code=201, response_model=VoteOut,
             summary="Vote for / against / abstain, in your name or for the member whose proxy you carry",
             responses={403: {"description": "Not in the frozen electorate, proxy given, no such proxy"},
                        404: {"description": "No such resolution"},
                        409: {"description": "Already voted, or outside the voting window"}})
@idempotent_route("votes:{resolution_id}:{principal.id}", fingerprint=_vote_fingerprint)
async def cast_vote(resolution_id: str, body: CastVote, principal: PersonPrincipal, ctx: ContextDep) -> VoteOut:
    receipt = await voting.cast_vote(ctx, voter_id=principal.id, resolution_id=resolution_id,
                                     choice=body.choice, on_behalf_of=body.on_behalf_of)
    return VoteOut(assembly_id=receipt.assembly_id, resolution_id=receipt.resolution_id,
                   ballot=receipt.ballot, elector_id=receipt.elector_id, cast_by=receipt.cast_by,
                   by_proxy=receipt.elector_id != receipt.cast_by, changed=receipt.changed, choice=receipt.choice)
