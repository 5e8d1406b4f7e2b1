"""Counting the votes on one resolution.

Two shapes of ballot box, one per ballot kind:

- open ballot: each vote keeps who chose what (``OpenVote``);
- secret ballot: *who took part* (``Participation``) and *what was chosen*
  (anonymous ``Choice`` values) are two separate collections that are never
  linked. The count of choices must equal the count of participations; a
  mismatch means a vote was lost or duplicated, and the tally refuses to
  produce a result rather than publish a wrong one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from governance.domain.errors import ErrorCode, InvalidValue, InvariantViolation
from governance.domain.resolution import BallotKind, Choice, MajorityRule, Resolution

MemberId = str


@dataclass(frozen=True, slots=True)
class Participation:
    """``elector_id`` took part; ``cast_by`` is who pressed the button (a proxy holder or the elector)."""

    elector_id: MemberId
    cast_by: MemberId

    @property
    def by_proxy(self) -> bool:
        return self.elector_id != self.cast_by


@dataclass(frozen=True, slots=True)
class OpenVote:
    """A vote on an open ballot: identity and choice are kept together."""

    elector_id: MemberId
    cast_by: MemberId
    choice: Choice

    @property
    def participation(self) -> Participation:
        return Participation(self.elector_id, self.cast_by)


@dataclass(frozen=True, slots=True)
class OpenBallotBox:
    votes: tuple[OpenVote, ...]

    @classmethod
    def of(cls, votes: Iterable[OpenVote]) -> OpenBallotBox:
        return cls(tuple(votes))


@dataclass(frozen=True, slots=True)
class SecretBallotBox:
    participations: tuple[Participation, ...]
    choices: tuple[Choice, ...]

    def __post_init__(self) -> None:
        # Keep no arrival order: the n-th choice must not be matchable with
        # the n-th participation.
        object.__setattr__(self, "choices", tuple(sorted(self.choices)))

    @classmethod
    def of(cls, participations: Iterable[Participation], choices: Iterable[Choice]) -> SecretBallotBox:
        return cls(tuple(participations), tuple(choices))


BallotBox = OpenBallotBox | SecretBallotBox


class ResultReason(StrEnum):
    ADOPTED = "adopted"
    MAJORITY_NOT_REACHED = "majority_not_reached"
    NO_VOTES_CAST = "no_votes_cast"  # everyone who took part abstained
    QUORUM_NOT_REACHED = "quorum_not_reached"


@dataclass(frozen=True, slots=True)
class Result:
    resolution_id: str
    majority: MajorityRule
    ballot: BallotKind
    votes_for: int
    votes_against: int
    abstentions: int
    participants: int
    electorate_size: int
    quorum_required: int
    quorum_reached: bool
    adopted: bool
    reason: ResultReason

    def __post_init__(self) -> None:
        if self.votes_for + self.votes_against + self.abstentions != self.participants:
            raise InvariantViolation(ErrorCode.TALLY_MISMATCH, "counts do not add up to participants")

    @property
    def votes_cast(self) -> int:
        """Votes that count for the majority (abstentions excluded)."""
        return self.votes_for + self.votes_against


def _check_unique(participations: Iterable[Participation]) -> list[Participation]:
    seen: set[MemberId] = set()
    listed = list(participations)
    for p in listed:
        if p.elector_id in seen:
            # One person, one vote: a duplicate means an idempotency guard failed upstream.
            raise InvariantViolation(
                ErrorCode.DUPLICATE_PARTICIPATION,
                f"elector {p.elector_id} took part twice",
                "elector_id",
            )
        seen.add(p.elector_id)
    return listed


def tally(resolution: Resolution, electorate_size: int, ballots: BallotBox) -> Result:
    """Count ``ballots`` for ``resolution`` against an electorate of ``electorate_size``."""
    if electorate_size <= 0:
        raise InvalidValue(
            ErrorCode.EMPTY_ELECTORATE,
            "electorate must not be empty",
            "electorate_size",
        )

    if isinstance(ballots, OpenBallotBox):
        if resolution.ballot is not BallotKind.OPEN:
            raise InvariantViolation(
                ErrorCode.BALLOT_KIND_MISMATCH,
                "a secret ballot cannot be tallied from open votes",
            )
        participants = len(_check_unique(v.participation for v in ballots.votes))
        counts = Counter(v.choice for v in ballots.votes)
    else:
        if resolution.ballot is not BallotKind.SECRET:
            raise InvariantViolation(
                ErrorCode.BALLOT_KIND_MISMATCH,
                "an open ballot needs votes with identities",
            )
        participants = len(_check_unique(ballots.participations))
        if len(ballots.choices) != participants:
            raise InvariantViolation(
                ErrorCode.TALLY_MISMATCH,
                f"{len(ballots.choices)} ballots for {participants} participants",
            )
        counts = Counter(ballots.choices)

    if participants > electorate_size:
        raise InvariantViolation(
            ErrorCode.TALLY_MISMATCH,
            f"{participants} participants for an electorate of {electorate_size}",
        )

    votes_for, votes_against = counts[Choice.FOR], counts[Choice.AGAINST]
    required = resolution.quorum_minimum(electorate_size)
    quorum_reached = participants >= required
    if not quorum_reached:
        adopted, reason = False, ResultReason.QUORUM_NOT_REACHED
    elif votes_for + votes_against == 0:
        adopted, reason = False, ResultReason.NO_VOTES_CAST
    elif resolution.majority.is_met(votes_for, votes_against):
        adopted, reason = True, ResultReason.ADOPTED
    else:
        adopted, reason = False, ResultReason.MAJORITY_NOT_REACHED

    return Result(
        resolution_id=resolution.id,
        majority=resolution.majority,
        ballot=resolution.ballot,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=counts[Choice.ABSTAIN],
        participants=participants,
        electorate_size=electorate_size,
        quorum_required=required,
        quorum_reached=quorum_reached,
        adopted=adopted,
        reason=reason,
    )
