"""Casting votes and managing proxies.

A vote is one transaction: read the state, the voter's electorate entry,
proxies and participation (snapshot), apply ``domain.voting.check_can_vote``,
insert the participation and count it. Two guarantees do not depend on the
check having seen everything:

- the unique index on (resolution, elector): of N identical requests sent at
  once exactly one inserts, the others fail with a duplicate key (409);
- the ballot counter update: closing the vote seals the counters, so a vote
  racing with the close either lands before the tally or is refused.

Proxies are registered while the assembly is convened, each registration
writing the assembly document: they are serialised with each other (the
"at most N proxies per holder" and "no chains" rules hold under concurrency)
and with opening the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import to_millis
from coop_shared.persistence.mongo import Document, in_transaction
from governance.adapters.assemblies import resolution_from_doc
from governance.adapters.ballots import BallotSealed
from governance.domain.errors import ErrorCode, InvalidTransition, VotingRuleViolation
from governance.domain.lifecycle import AssemblyState, VotingWindow
from governance.domain.resolution import BallotKind, Choice, Resolution
from governance.domain.voting import (
    Proxy,
    VoteDecision,
    check_can_vote,
    check_proxy_registration,
    check_proxy_revocation,
)
from governance.service_layer.assemblies import load
from governance.service_layer.context import Context
from governance.service_layer.errors import NotFound


@dataclass(frozen=True)
class VoteReceipt:
    assembly_id: str
    resolution_id: str
    ballot: BallotKind
    elector_id: str
    cast_by: str
    changed: bool
    choice: Choice | None  # None for a secret ballot: not even the receipt keeps it


def _window(doc: Document) -> VotingWindow:
    return VotingWindow(doc["opens_at"], doc["closes_at"])


async def find_resolution(ctx: Context, resolution_id: str) -> tuple[Document, Resolution]:
    doc = await ctx.assemblies.by_resolution(resolution_id)
    if doc is None or doc["state"] == AssemblyState.DRAFT.value:
        raise NotFound("resolution_not_found", "No such resolution.")
    item = next(r for r in doc["agenda"] if r["id"] == resolution_id)
    return doc, resolution_from_doc(item)


async def cast_vote(ctx: Context, *, voter_id: str, resolution_id: str, choice: Choice,
                    on_behalf_of: str | None) -> VoteReceipt:
    doc, resolution = await find_resolution(ctx, resolution_id)
    assembly_id = doc["_id"]
    now = to_millis(ctx.clock.now())
    on_behalf_of = None if on_behalf_of == voter_id else on_behalf_of
    elector = on_behalf_of or voter_id
    people = {voter_id, elector}

    async def work(session: AsyncClientSession) -> VoteDecision:
        current = await ctx.assemblies.get(assembly_id, session)
        assert current is not None
        electorate = await ctx.assemblies.electors_among(assembly_id, people, session)
        proxies = await ctx.proxies.involving(assembly_id, people, session)
        existing = await ctx.ballots.participation(resolution_id, elector, session)
        decision = check_can_vote(
            voter_id, electorate, proxies, {elector} if existing else set(), AssemblyState(current["state"]),
            now=now, window=_window(current), ballot=resolution.ballot, on_behalf_of=on_behalf_of,
            allow_vote_change=bool(current["allow_vote_change"]))
        await ctx.ballots.record(
            assembly_id=assembly_id, resolution_id=resolution_id, ballot=resolution.ballot,
            elector_id=decision.elector_id, cast_by=decision.cast_by, choice=choice,
            change_of=existing if decision.is_change else None, now=now, session=session)
        return decision

    decision: VoteDecision | None = None
    for attempt in range(2):
        try:
            decision = await in_transaction(ctx.mongo, work)
            break
        except DuplicateKeyError:
            # A twin request inserted the participation first. Where changes
            # are allowed, run once more: this request becomes the change.
            if attempt == 0 and doc["allow_vote_change"] and resolution.ballot is BallotKind.OPEN:
                continue
            raise VotingRuleViolation(
                ErrorCode.ALREADY_VOTED, "this vote has already been cast",
                "on_behalf_of" if on_behalf_of else "choice") from None
        except BallotSealed:
            raise InvalidTransition(ErrorCode.VOTING_CLOSED, "voting is closed") from None
    assert decision is not None
    return VoteReceipt(assembly_id, resolution_id, resolution.ballot, decision.elector_id, decision.cast_by,
                       decision.is_change, choice if resolution.ballot is BallotKind.OPEN else None)


async def register_proxy(ctx: Context, assembly_id: str, giver_id: str, holder_id: str) -> Proxy:
    await load(ctx, assembly_id, include_draft=False)
    now = to_millis(ctx.clock.now())

    async def work(session: AsyncClientSession) -> Proxy:
        if not await ctx.assemblies.touch_for_proxies(assembly_id, session):
            raise VotingRuleViolation(ErrorCode.PROXY_REGISTRATION_CLOSED,
                                      "proxies are registered after convening and before voting opens",
                                      "holder_id")
        current = await ctx.assemblies.get(assembly_id, session)
        assert current is not None
        people = {giver_id, holder_id}
        proxy = Proxy(giver_id, holder_id, now)
        check_proxy_registration(
            proxy, await ctx.assemblies.electors_among(assembly_id, people, session),
            await ctx.proxies.involving(assembly_id, people, session), AssemblyState(current["state"]),
            _window(current), int(current["max_proxies_per_voter"]))
        await ctx.proxies.add(assembly_id, proxy, session)
        return proxy

    try:
        return await ctx.runtime.commit(work)  # type: ignore[no-any-return]
    except DuplicateKeyError:
        raise VotingRuleViolation(ErrorCode.PROXY_ALREADY_GIVEN, "this member has already given a proxy",
                                  "giver_id") from None


async def revoke_proxy(ctx: Context, assembly_id: str, giver_id: str) -> Proxy:
    await load(ctx, assembly_id, include_draft=False)
    now = to_millis(ctx.clock.now())

    async def work(session: AsyncClientSession) -> Proxy:
        if not await ctx.assemblies.touch_for_proxies(assembly_id, session):
            raise VotingRuleViolation(ErrorCode.PROXY_REGISTRATION_CLOSED,
                                      "a proxy can only be withdrawn before voting opens", "giver_id")
        current = await ctx.assemblies.get(assembly_id, session)
        assert current is not None
        proxy = check_proxy_revocation(giver_id, await ctx.proxies.involving(assembly_id, {giver_id}, session),
                                       AssemblyState(current["state"]), _window(current), now)
        await ctx.proxies.remove(assembly_id, giver_id, session)
        return proxy

    return await ctx.runtime.commit(work)  # type: ignore[no-any-return]


async def proxies_of(ctx: Context, assembly_id: str, member_id: str) -> tuple[Proxy | None, list[Proxy]]:
    """The proxy ``member_id`` gave (if any) and those they hold."""
    await load(ctx, assembly_id, include_draft=False)
    proxies = await ctx.proxies.involving(assembly_id, {member_id})
    given = next((p for p in proxies if p.giver_id == member_id), None)
    return given, [p for p in proxies if p.holder_id == member_id]
