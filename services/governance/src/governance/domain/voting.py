"""Who may cast which vote: pure rules, no storage.

One person, one vote: the weight of a vote never depends on shares. A voter
casts their own vote and, for each proxy they carry, one vote on behalf of
the giver. Proxies are settled before voting opens so that the set of people
who may vote, and in whose name, is fixed for the whole window.

For large electorates pass ``electorate`` and ``participation`` as sets:
the rules only test membership.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from governance.domain.errors import (
    ErrorCode,
    InvalidTransition,
    InvalidValue,
    VotingRuleViolation,
)
from governance.domain.lifecycle import AssemblyState, VotingWindow, require_aware
from governance.domain.resolution import BallotKind
from governance.domain.tally import Participation

MemberId = str

DEFAULT_MAX_PROXIES_PER_VOTER = 1


@dataclass(frozen=True, slots=True)
class Proxy:
    """``giver_id`` lets ``holder_id`` vote in their name for the whole assembly."""

    giver_id: MemberId
    holder_id: MemberId
    registered_at: datetime

    def __post_init__(self) -> None:
        if not self.giver_id or not self.holder_id:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "giver and holder are required")
        require_aware(self.registered_at, "registered_at")


@dataclass(frozen=True, slots=True)
class VoteDecision:
    """What ``check_can_vote`` allows: whose vote (``elector_id``), cast by whom, new or a change."""

    elector_id: MemberId
    cast_by: MemberId
    is_change: bool

    @property
    def participation(self) -> Participation:
        return Participation(self.elector_id, self.cast_by)


def _effective(proxies: Collection[Proxy], window: VotingWindow) -> list[Proxy]:
    # A proxy counts only if registered before the window opened; registration
    # refuses later ones, this guards against a record slipping through.
    return [p for p in proxies if p.registered_at < window.opens_at]


def check_proxy_registration(
    proxy: Proxy,
    electorate: Collection[MemberId],
    proxies: Collection[Proxy],
    state: AssemblyState,
    window: VotingWindow,
    max_proxies_per_voter: int = DEFAULT_MAX_PROXIES_PER_VOTER,
) -> None:
    """Raise unless ``proxy`` may be added to the already registered ``proxies``."""
    if state is not AssemblyState.CONVENED or proxy.registered_at >= window.opens_at:
        # Before convening the electorate is not frozen; after opening it is too late.
        raise VotingRuleViolation(
            ErrorCode.PROXY_REGISTRATION_CLOSED,
            "proxies are registered after convening and before voting opens",
            "registered_at",
        )
    if proxy.giver_id == proxy.holder_id:
        raise VotingRuleViolation(
            ErrorCode.PROXY_TO_SELF,
            "a member cannot give a proxy to themselves",
            "holder_id",
        )
    for field, member in (("giver_id", proxy.giver_id), ("holder_id", proxy.holder_id)):
        if member not in electorate:
            raise VotingRuleViolation(
                ErrorCode.NOT_IN_ELECTORATE,
                f"{member} is not in this electorate",
                field,
            )
    givers = {p.giver_id for p in proxies}
    holders = [p.holder_id for p in proxies]
    if proxy.giver_id in givers:
        raise VotingRuleViolation(
            ErrorCode.PROXY_ALREADY_GIVEN,
            "this member has already given a proxy",
            "giver_id",
        )
    # No chains: a giver cannot vote at all, so cannot carry someone else's
    # vote; and a holder cannot hand the votes they carry on to a third person.
    if proxy.holder_id in givers:
        raise VotingRuleViolation(ErrorCode.PROXY_CHAIN, "the holder has given their own proxy", "holder_id")
    if proxy.giver_id in holders:
        raise VotingRuleViolation(ErrorCode.PROXY_CHAIN, "the giver already carries a proxy", "giver_id")
    if holders.count(proxy.holder_id) >= max_proxies_per_voter:
        raise VotingRuleViolation(
            ErrorCode.PROXY_LIMIT_REACHED,
            f"a voter can carry at most {max_proxies_per_voter} prox{'y' if max_proxies_per_voter == 1 else 'ies'}",
            "holder_id",
        )


def check_proxy_revocation(
    giver_id: MemberId,
    proxies: Collection[Proxy],
    state: AssemblyState,
    window: VotingWindow,
    now: datetime,
) -> Proxy:
    """Return the proxy ``giver_id`` may withdraw (until voting opens)."""
    if state is not AssemblyState.CONVENED or now >= window.opens_at:
        raise VotingRuleViolation(
            ErrorCode.PROXY_REGISTRATION_CLOSED,
            "a proxy can only be withdrawn before voting opens",
            "giver_id",
        )
    for p in proxies:
        if p.giver_id == giver_id:
            return p
    raise VotingRuleViolation(ErrorCode.PROXY_NOT_FOUND, "this member has not given a proxy", "giver_id")


def check_can_vote(
    voter_id: MemberId,
    electorate: Collection[MemberId],
    proxies: Collection[Proxy],
    participation: Collection[MemberId],
    state: AssemblyState,
    *,
    now: datetime,
    window: VotingWindow,
    ballot: BallotKind,
    on_behalf_of: MemberId | None = None,
    allow_vote_change: bool = False,
) -> VoteDecision:
    """Decide whether ``voter_id`` may vote now on one resolution.

    ``participation`` holds the electors who already took part in *this*
    resolution. ``on_behalf_of`` is the proxy giver when the voter uses a
    proxy. Raises ``DomainError`` with the first rule broken.
    """
    require_aware(now, "now")
    if state is not AssemblyState.VOTING_OPEN or not window.contains(now):
        if state in (AssemblyState.DRAFT, AssemblyState.CONVENED) or (
            state is AssemblyState.VOTING_OPEN and now < window.opens_at
        ):
            raise InvalidTransition(ErrorCode.VOTING_NOT_OPEN, "voting has not opened yet")
        raise InvalidTransition(ErrorCode.VOTING_CLOSED, "voting is closed")
    if voter_id not in electorate:
        raise VotingRuleViolation(
            ErrorCode.NOT_IN_ELECTORATE,
            "you are not in this assembly's electorate",
            "voter_id",
        )

    effective = _effective(proxies, window)
    if any(p.giver_id == voter_id for p in effective):
        # Covers both their own vote and any vote "on behalf of" someone else.
        raise VotingRuleViolation(
            ErrorCode.PROXY_GIVER_CANNOT_VOTE,
            "you gave a proxy; your holder votes for you",
            "voter_id",
        )

    elector = voter_id
    if on_behalf_of is not None and on_behalf_of != voter_id:
        if not any(p.giver_id == on_behalf_of and p.holder_id == voter_id for p in effective):
            raise VotingRuleViolation(
                ErrorCode.NOT_PROXY_HOLDER,
                "you do not carry a proxy from this member",
                "on_behalf_of",
            )
        if on_behalf_of not in electorate:
            raise VotingRuleViolation(
                ErrorCode.NOT_IN_ELECTORATE,
                "the proxy giver is not in this electorate",
                "on_behalf_of",
            )
        elector = on_behalf_of

    if elector in participation:
        # A secret ballot keeps no link from a person to their choice, so
        # there is nothing to replace: a change is impossible there.
        if not allow_vote_change or ballot is BallotKind.SECRET:
            raise VotingRuleViolation(
                ErrorCode.ALREADY_VOTED,
                "this vote has already been cast" + ("; secret ballots cannot be changed" if allow_vote_change else ""),
                "on_behalf_of" if elector != voter_id else "voter_id",
            )
        return VoteDecision(elector, voter_id, is_change=True)
    return VoteDecision(elector, voter_id, is_change=False)
