"""The Assembly aggregate: draft -> convened -> voting_open -> closed -> results_published.

Change an assembly only through its methods; they enforce the lifecycle.
The service layer builds the integration events (``service_layer/events.py``)
from the state a transition leaves, in the transaction that saves it. Votes
are not stored here (thousands arrive in the same minutes and are guarded by
a unique index per resolution and elector); the assembly decides whether a
vote is allowed and tallies the ballots it is handed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from coop_shared.clock import COOPERATIVE_TZ
from governance.domain.errors import (
    ErrorCode,
    InvalidTransition,
    InvalidValue,
    InvariantViolation,
)
from governance.domain.lifecycle import (
    ASSEMBLY_TRANSITIONS,
    AssemblyKind,
    AssemblyState,
    VotingWindow,
    require_aware,
)
from governance.domain.resolution import Resolution
from governance.domain.tally import BallotBox, Result, tally
from governance.domain.voting import (
    DEFAULT_MAX_PROXIES_PER_VOTER,
    Proxy,
    VoteDecision,
    check_can_vote,
    check_proxy_registration,
    check_proxy_revocation,
)

__all__ = [
    "Assembly",
    "AssemblyKind",
    "AssemblyState",
    "VotingWindow",
    "convocation_day",
]

MemberId = str

# The cooperative's legal calendar: "the day the assembly is convened" is a Belgian day.


def convocation_day(convened_at: datetime) -> date:
    """The calendar day (Brussels time) used to compute the electorate."""
    require_aware(convened_at, "convened_at")
    return convened_at.astimezone(COOPERATIVE_TZ).date()


@dataclass(eq=False)
class Assembly:
    id: str
    kind: AssemblyKind
    title: str
    window: VotingWindow
    allow_vote_change: bool = False
    max_proxies_per_voter: int = DEFAULT_MAX_PROXIES_PER_VOTER
    state: AssemblyState = AssemblyState.DRAFT
    agenda: list[Resolution] = field(default_factory=list)
    electorate: tuple[MemberId, ...] = ()
    convened_at: datetime | None = None
    proxies: list[Proxy] = field(default_factory=list)
    results: dict[str, Result] = field(default_factory=dict)
    _electorate_set: frozenset[MemberId] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id.strip() or not self.title.strip():
            raise InvalidValue(ErrorCode.INVALID_VALUE, "assembly id and title are required", "title")
        # Accept plain strings when rehydrating from storage.
        if self.kind not in set(AssemblyKind):
            raise InvalidValue(ErrorCode.INVALID_VALUE, f"unknown assembly kind {self.kind!r}", "kind")
        if self.state not in set(AssemblyState):
            raise InvalidValue(ErrorCode.INVALID_VALUE, f"unknown assembly state {self.state!r}", "state")
        self.kind, self.state = AssemblyKind(self.kind), AssemblyState(self.state)
        if self.max_proxies_per_voter < 0:
            raise InvalidValue(
                ErrorCode.INVALID_VALUE,
                "max proxies per voter cannot be negative",
                "max_proxies_per_voter",
            )
        self._electorate_set = frozenset(self.electorate)

    # An entity is identified by its id, not by its current field values.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Assembly) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def opens_at(self) -> datetime:
        return self.window.opens_at

    @property
    def closes_at(self) -> datetime:
        return self.window.closes_at

    @property
    def convocation_day(self) -> date | None:
        return None if self.convened_at is None else convocation_day(self.convened_at)

    # -- lifecycle -------------------------------------------------------------

    def _move(self, to: AssemblyState) -> None:
        if to not in ASSEMBLY_TRANSITIONS[self.state]:
            raise InvalidTransition(
                ErrorCode.INVALID_TRANSITION,
                f"cannot go from {self.state.value} to {to.value}",
                "state",
            )
        self.state = to

    def _require_draft(self, what: str) -> None:
        if self.state is not AssemblyState.DRAFT:
            raise InvalidTransition(
                ErrorCode.AGENDA_LOCKED,
                f"{what} can only change while the assembly is a draft",
            )

    # -- draft editing ---------------------------------------------------------

    def resolution(self, resolution_id: str) -> Resolution:
        for r in self.agenda:
            if r.id == resolution_id:
                return r
        raise InvalidValue(
            ErrorCode.UNKNOWN_RESOLUTION,
            f"no resolution {resolution_id!r}",
            "resolution_id",
        )

    def add_resolution(self, resolution: Resolution) -> None:
        self._require_draft("the agenda")
        if any(r.id == resolution.id for r in self.agenda):
            raise InvalidValue(
                ErrorCode.DUPLICATE_RESOLUTION,
                f"resolution {resolution.id!r} exists",
                "id",
            )
        self.agenda.append(resolution)

    def replace_resolution(self, resolution: Resolution) -> None:
        self._require_draft("the agenda")
        self.resolution(resolution.id)
        self.agenda = [resolution if r.id == resolution.id else r for r in self.agenda]

    def remove_resolution(self, resolution_id: str) -> None:
        self._require_draft("the agenda")
        self.resolution(resolution_id)
        self.agenda = [r for r in self.agenda if r.id != resolution_id]

    def reschedule(self, window: VotingWindow) -> None:
        self._require_draft("the voting window")
        self.window = window

    # -- convening and proxies -------------------------------------------------

    def convene(self, electorate: Iterable[MemberId], at: datetime) -> None:
        """Freeze the agenda and the electorate snapshot (computed for ``convocation_day(at)``)."""
        require_aware(at, "at")
        self._require_draft("convening")
        if not self.agenda:
            raise InvalidValue(
                ErrorCode.EMPTY_AGENDA,
                "an assembly needs at least one resolution",
                "agenda",
            )
        snapshot = tuple(sorted(set(electorate)))
        if not snapshot:
            raise InvalidValue(ErrorCode.EMPTY_ELECTORATE, "nobody could vote", "electorate")
        if at >= self.window.opens_at:
            # Members must learn of the assembly, and may give proxies, before voting starts.
            raise InvalidValue(
                ErrorCode.INVALID_VOTING_WINDOW,
                "convene before voting opens",
                "opens_at",
            )
        self._move(AssemblyState.CONVENED)
        self.electorate = snapshot
        self._electorate_set = frozenset(snapshot)
        self.convened_at = at

    def register_proxy(self, giver_id: MemberId, holder_id: MemberId, at: datetime) -> Proxy:
        proxy = Proxy(giver_id, holder_id, at)
        check_proxy_registration(
            proxy,
            self._electorate_set,
            self.proxies,
            self.state,
            self.window,
            self.max_proxies_per_voter,
        )
        self.proxies.append(proxy)
        return proxy

    def revoke_proxy(self, giver_id: MemberId, at: datetime) -> Proxy:
        proxy = check_proxy_revocation(giver_id, self.proxies, self.state, self.window, at)
        self.proxies.remove(proxy)
        return proxy

    # -- voting ----------------------------------------------------------------

    def open_voting(self, now: datetime) -> None:
        require_aware(now, "now")
        if self.state is AssemblyState.CONVENED and now < self.window.opens_at:
            raise InvalidTransition(
                ErrorCode.VOTING_NOT_OPEN,
                "the voting window has not started",
                "opens_at",
            )
        self._move(AssemblyState.VOTING_OPEN)

    def check_can_vote(
        self,
        voter_id: MemberId,
        resolution_id: str,
        participation: Iterable[MemberId],
        now: datetime,
        on_behalf_of: MemberId | None = None,
    ) -> VoteDecision:
        """Apply the voting rules for one resolution (``participation``: electors who already took part)."""
        resolution = self.resolution(resolution_id)
        return check_can_vote(
            voter_id,
            self._electorate_set,
            self.proxies,
            participation if isinstance(participation, (set, frozenset)) else frozenset(participation),
            self.state,
            now=now,
            window=self.window,
            ballot=resolution.ballot,
            on_behalf_of=on_behalf_of,
            allow_vote_change=self.allow_vote_change,
        )

    def close_voting(self, now: datetime) -> None:
        require_aware(now, "now")
        if self.state is AssemblyState.VOTING_OPEN and now < self.window.closes_at:
            # Closing early would silence people who planned to vote later.
            raise InvalidTransition(
                ErrorCode.INVALID_TRANSITION,
                "the voting window is still running",
                "closes_at",
            )
        self._move(AssemblyState.CLOSED)

    def tally(self, resolution_id: str, ballots: BallotBox) -> Result:
        if self.state not in (AssemblyState.CLOSED, AssemblyState.RESULTS_PUBLISHED):
            # No running totals while people are still voting.
            raise InvalidTransition(ErrorCode.INVALID_TRANSITION, "results exist only once voting is closed")
        return tally(self.resolution(resolution_id), len(self.electorate), ballots)

    def publish_results(self, results: Mapping[str, Result], at: datetime) -> None:
        require_aware(at, "at")
        if self.state is not AssemblyState.CLOSED:
            raise InvalidTransition(
                ErrorCode.INVALID_TRANSITION,
                f"cannot publish results from {self.state.value}",
                "state",
            )
        if set(results) != {r.id for r in self.agenda}:
            raise InvalidValue(
                ErrorCode.RESULTS_INCOMPLETE,
                "publish exactly one result per resolution on the agenda",
                "results",
            )
        for r in self.agenda:
            res = results[r.id]
            if (
                res.resolution_id != r.id
                or res.electorate_size != len(self.electorate)
                or res.majority is not r.majority
                or res.ballot is not r.ballot
            ):
                raise InvariantViolation(
                    ErrorCode.TALLY_MISMATCH,
                    f"result for {r.id!r} was not tallied for this assembly",
                    "results",
                )
        self._move(AssemblyState.RESULTS_PUBLISHED)
        self.results = {r.id: results[r.id] for r in self.agenda}
