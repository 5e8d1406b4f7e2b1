"""Assembly use cases: create, set the agenda, convene, open and close the vote.

Each transition reads the document, applies the aggregate's rule, and writes
the new state with its events in one transaction, guarded by the version
read (two admins clicking at once: one wins, the other gets a 409).
Closing computes the results and publishes them in the same transaction:
"results and minutes are published when voting closes".
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from fractions import Fraction

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.clock import to_millis
from coop_shared.persistence.mongo import Document
from governance.adapters.assemblies import ConcurrentUpdate, to_domain
from governance.domain.assembly import Assembly, convocation_day
from governance.domain.electorate import general_assembly_electorate, workers_assembly_electorate, workers_lookback
from governance.domain.errors import ErrorCode, InvalidTransition, InvalidValue
from governance.domain.lifecycle import AssemblyKind, AssemblyState, VotingWindow
from governance.domain.resolution import BallotKind, MajorityRule, Resolution
from governance.service_layer import events
from governance.service_layer.context import Context
from governance.service_layer.errors import Conflict, NotFound
from governance.service_layer.results import tally_all


async def load(ctx: Context, assembly_id: str, *, include_draft: bool) -> Document:
    """The assembly document; a draft is invisible to members (404, not 403)."""
    doc = await ctx.assemblies.get(assembly_id)
    if doc is None or (doc["state"] == AssemblyState.DRAFT.value and not include_draft):
        raise NotFound("assembly_not_found", "No such assembly.")
    return doc


async def create_assembly(ctx: Context, *, admin_id: str, kind: AssemblyKind, title: str, opens_at: datetime,
                          closes_at: datetime, allow_vote_change: bool,
                          max_proxies_per_voter: int | None) -> Document:
    now = to_millis(ctx.clock.now())
    assembly = Assembly(
        id=str(uuid.uuid4()), kind=kind, title=title.strip(),
        window=VotingWindow(to_millis(opens_at), to_millis(closes_at)), allow_vote_change=allow_vote_change,
        max_proxies_per_voter=(ctx.settings.default_max_proxies_per_voter
                               if max_proxies_per_voter is None else max_proxies_per_voter),
    )
    if assembly.opens_at <= now:
        raise InvalidValue(ErrorCode.INVALID_VOTING_WINDOW, "voting must open in the future", "opens_at")
    doc: Document = {
        "_id": assembly.id, "kind": assembly.kind.value, "title": assembly.title, "opens_at": assembly.opens_at,
        "closes_at": assembly.closes_at, "allow_vote_change": assembly.allow_vote_change,
        "max_proxies_per_voter": assembly.max_proxies_per_voter, "state": assembly.state.value, "agenda": [],
        "results": [], "convened_at": None, "created_at": now, "created_by": admin_id, "version": 1,
        "proxies_version": 0, "electorate_size": 0,
    }
    await ctx.assemblies.add(doc)
    return doc


async def add_resolution(ctx: Context, assembly_id: str, *, text: str, majority: MajorityRule, quorum: Fraction,
                         ballot: BallotKind) -> tuple[Document, Resolution]:
    doc = await load(ctx, assembly_id, include_draft=True)
    assembly = to_domain(doc)
    if len(assembly.agenda) >= ctx.settings.max_resolutions_per_assembly:
        raise InvalidValue(ErrorCode.INVALID_VALUE,
                           f"an agenda holds at most {ctx.settings.max_resolutions_per_assembly} resolutions",
                           "text")
    resolution = Resolution(str(uuid.uuid4()), text.strip(), majority, quorum, ballot)
    assembly.add_resolution(resolution)

    async def work(session: AsyncClientSession) -> None:
        await ctx.assemblies.save(assembly, doc["version"], session, expected_state=AssemblyState.DRAFT)

    await _commit(ctx, work)
    return await load(ctx, assembly_id, include_draft=True), resolution


async def compute_electorate(ctx: Context, kind: AssemblyKind, day: date) -> tuple[str, ...]:
    """The electorate for ``day`` from the read model (pure rules in ``domain.electorate``)."""
    if kind is AssemblyKind.GENERAL:
        categories = ctx.settings.general_assembly_share_categories
        entries = [e async for e in ctx.read_model.share_entries_until(day, categories)]
        return general_assembly_electorate(entries, day)
    first, last = workers_lookback(day)
    contracts = [c async for c in ctx.read_model.contracts_overlapping(first, last)]
    return workers_assembly_electorate(contracts, day)


def _require(doc: Document, state: AssemblyState, action: str) -> None:
    # Checked before any expensive work; the aggregate checks again.
    if doc["state"] != state.value:
        raise InvalidTransition(ErrorCode.INVALID_TRANSITION,
                                f"cannot {action}: the assembly is {doc['state']}", "state")


async def convene(ctx: Context, assembly_id: str, admin_id: str) -> Document:
    doc = await load(ctx, assembly_id, include_draft=True)
    _require(doc, AssemblyState.DRAFT, "convene")
    now = to_millis(ctx.clock.now())
    assembly = to_domain(doc)
    day = convocation_day(now)
    # Computed outside the transaction (a full scan of the read model); the
    # snapshot is then frozen with the state change.
    electorate = await compute_electorate(ctx, assembly.kind, day)
    assembly.convene(electorate, now)
    envelopes = events.convened(ctx, assembly, day)

    async def work(session: AsyncClientSession) -> None:
        await ctx.assemblies.save(
            assembly, doc["version"], session, expected_state=AssemblyState.DRAFT,
            extra={"convocation_day": day.isoformat(), "electorate_size": len(assembly.electorate),
                   "convened_by": admin_id})
        await ctx.assemblies.freeze_electorate(assembly.id, assembly.electorate, session)
        await ctx.ballots.create_counters(assembly.id, [r.id for r in assembly.agenda], session)
        await ctx.runtime.outbox.add(envelopes, session=session)

    await _commit(ctx, work)
    return await load(ctx, assembly_id, include_draft=True)


async def open_voting(ctx: Context, assembly_id: str) -> Document:
    doc = await load(ctx, assembly_id, include_draft=True)
    _require(doc, AssemblyState.CONVENED, "open voting")
    now = to_millis(ctx.clock.now())
    assembly = to_domain(doc)
    assembly.open_voting(now)
    electorate = await ctx.assemblies.electorate(assembly_id)
    envelopes = events.voting_opened(ctx, assembly, electorate, now)

    async def work(session: AsyncClientSession) -> None:
        # Same document as proxy registrations: one of the two transactions
        # aborts and retries, so no proxy is registered once voting is open.
        await ctx.assemblies.save(assembly, doc["version"], session, expected_state=AssemblyState.CONVENED,
                                  extra={"opened_at": now})
        await ctx.runtime.outbox.add(envelopes, session=session)

    await _commit(ctx, work)
    return await load(ctx, assembly_id, include_draft=True)


async def close_voting(ctx: Context, assembly_id: str) -> Document:
    doc = await load(ctx, assembly_id, include_draft=True)
    _require(doc, AssemblyState.VOTING_OPEN, "close voting")
    now = to_millis(ctx.clock.now())
    to_domain(doc).close_voting(now)  # refuse early, before loading the electorate
    electorate = await ctx.assemblies.electorate(assembly_id)

    async def work(session: AsyncClientSession) -> None:
        # Rebuilt on every attempt: the driver reruns this on a write conflict.
        assembly = to_domain(doc, electorate)
        assembly.close_voting(now)
        # Sealing writes every counter a vote increments: a vote still in
        # flight conflicts with it, retries, and finds voting closed.
        await ctx.ballots.seal(assembly.id, session)
        results = await tally_all(ctx, assembly, session)
        await ctx.ballots.fold_sealed(assembly.id, session)  # from here on, totals only
        participants = await ctx.ballots.distinct_participants(assembly.id, session)
        assembly.publish_results(results, now)
        await ctx.assemblies.save(
            assembly, doc["version"], session, expected_state=AssemblyState.VOTING_OPEN,
            extra={"closed_at": now, "published_at": now, "participants": participants})
        await ctx.runtime.outbox.add(events.voting_closed_and_published(ctx, assembly, now, participants),
                                     session=session)

    await _commit(ctx, work)
    return await load(ctx, assembly_id, include_draft=True)


async def _commit(ctx: Context, work: Callable[[AsyncClientSession], Awaitable[None]]) -> None:
    try:
        await ctx.runtime.commit(work)
    except ConcurrentUpdate:
        raise Conflict("concurrent_update", "The assembly changed at the same time; read it again and retry.",
                       "version") from None
