"""Counting, recounting and the minutes, always from what is stored.

``tally_all`` runs inside the closing transaction. ``recount`` runs the very
same count again later from the stored participations and counters, so
anyone (an admin, an auditor, a test) can check that the published figures
follow from the data.
"""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.persistence.mongo import Document
from governance.adapters.assemblies import to_domain
from governance.domain.assembly import Assembly
from governance.domain.errors import ErrorCode, InvalidTransition, InvariantViolation
from governance.domain.lifecycle import AssemblyState
from governance.domain.minutes import Minutes, build_minutes
from governance.domain.resolution import BallotKind, Resolution
from governance.domain.tally import BallotBox, OpenBallotBox, OpenVote, Result, SecretBallotBox, tally
from governance.service_layer.context import Context


async def ballot_box(ctx: Context, resolution: Resolution, session: AsyncClientSession | None = None) -> BallotBox:
    ballots = ctx.ballots
    box: BallotBox
    if resolution.ballot is BallotKind.OPEN:
        votes = await ballots.open_votes(resolution.id, session)
        box, participants = OpenBallotBox.of(votes), len(votes)
    else:
        secret = SecretBallotBox.of(await ballots.participations_of(resolution.id, session),
                                    await ballots.secret_choices(resolution.id, session))
        box, participants = secret, len(secret.participations)
    counted = await ballots.counted_participants(resolution.id, session)
    if counted != participants:
        # Both are written in one transaction per vote; a difference is corruption.
        raise InvariantViolation(ErrorCode.TALLY_MISMATCH,
                                 f"{counted} votes counted for {participants} participations on {resolution.id}")
    return box


async def tally_all(ctx: Context, assembly: Assembly, session: AsyncClientSession | None = None) -> dict[str, Result]:
    return {r.id: assembly.tally(r.id, await ballot_box(ctx, r, session)) for r in assembly.agenda}


def _published(doc: Document) -> None:
    if doc["state"] != AssemblyState.RESULTS_PUBLISHED.value:
        raise InvalidTransition("results_not_published", "Results are published when voting closes.", "state")


async def recount(ctx: Context, doc: Document) -> dict[str, Result]:
    """Count the stored ballots again (no write)."""
    _published(doc)
    assembly = to_domain(doc)
    size = int(doc["electorate_size"])
    return {r.id: tally(r, size, await ballot_box(ctx, r)) for r in assembly.agenda}


async def minutes(ctx: Context, doc: Document) -> Minutes:
    """Minutes built from the stored results, roll calls (open ballots only) and current names.

    Names come from the member directory when the minutes are read, so an
    erased member appears by id only.
    """
    _published(doc)
    assembly = to_domain(doc, await ctx.assemblies.electorate(doc["_id"]))
    open_votes: dict[str, list[OpenVote]] = {
        r.id: await ctx.ballots.open_votes(r.id) for r in assembly.agenda if r.ballot is BallotKind.OPEN
    }
    people = {p for votes in open_votes.values() for v in votes for p in (v.elector_id, v.cast_by)}
    names = await ctx.read_model.names(people)
    total = await ctx.ballots.distinct_participants(assembly.id)
    return build_minutes(assembly, total, open_votes, names)
