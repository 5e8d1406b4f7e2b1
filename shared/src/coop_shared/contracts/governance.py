"""Events produced by the governance service.

Addressing an electorate: every assembly event carries the ids of the members
it concerns in ``member_ids``. An electorate can hold tens of thousands of
people, so one transition is published as one or more events *batches*
(``batch`` of ``batches``, at most a configured number of ids each, 1,000 by
default); every other field is repeated in each batch. A member appears in
exactly one batch of a transition, so a consumer that notifies
``member_ids`` per event (idempotently, by event id) tells each elector once.
``electorate_size`` is the size of the whole frozen electorate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload

AssemblyKind = Literal["general", "workers"]
MajorityRule = Literal["simple", "two_thirds", "three_quarters"]
BallotKind = Literal["open", "secret"]
RecommendationStatus = Literal["submitted", "in_progress", "done", "not_done", "rejected", "postponed"]


class AgendaItem(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    resolution_id: str
    number: int = Field(description="Position on the agenda, from 1.")
    text: str = Field(description="The resolution's text, cut at 500 characters (the API has it in full).")
    majority: MajorityRule
    quorum: str = Field(description="Share of the electorate that must take part, as a fraction ('1/2', '0').")
    ballot: BallotKind


class ResolutionOutcome(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    resolution_id: str
    number: int
    text: str = Field(description="The resolution's text, cut at 500 characters.")
    majority: MajorityRule
    ballot: BallotKind
    votes_for: int
    votes_against: int
    abstentions: int
    participants: int
    quorum_required: int
    quorum_reached: bool
    adopted: bool
    reason: Literal["adopted", "majority_not_reached", "no_votes_cast", "quorum_not_reached"]


class AssemblyEvent(EventPayload):
    """Fields common to every assembly event (never published on its own)."""

    assembly_id: str
    kind: AssemblyKind
    title: str
    electorate_size: int = Field(description="Members in the frozen electorate (all batches together).")
    member_ids: list[str] = Field(description="The electors this batch addresses.")
    batch: int = Field(default=1, ge=1, description="This batch's number, from 1.")
    batches: int = Field(default=1, ge=1, description="How many batches this transition was split into.")


class AssemblyConvened(AssemblyEvent):
    event_type: ClassVar[str] = "governance.assembly.convened.v1"

    convened_at: datetime
    convocation_day: date = Field(description="The Brussels day on which the electorate was computed.")
    opens_at: datetime
    closes_at: datetime
    agenda: list[AgendaItem]


class VotingOpened(AssemblyEvent):
    event_type: ClassVar[str] = "governance.voting.opened.v1"

    opened_at: datetime
    closes_at: datetime


class VotingClosed(AssemblyEvent):
    event_type: ClassVar[str] = "governance.voting.closed.v1"

    closed_at: datetime


class ResultsPublished(AssemblyEvent):
    event_type: ClassVar[str] = "governance.results.published.v1"

    published_at: datetime
    participants: int = Field(description="Distinct electors who took part in at least one vote.")
    results: list[ResolutionOutcome]


class RecommendationSubmitted(EventPayload):
    event_type: ClassVar[str] = "governance.recommendation.submitted.v1"

    recommendation_id: str
    member_id: str = Field(description="The author.")
    title: str
    submitted_at: datetime


class RecommendationStatusChanged(EventPayload):
    event_type: ClassVar[str] = "governance.recommendation.status_changed.v1"

    recommendation_id: str
    member_id: str = Field(description="The author (to be told of the outcome).")
    title: str
    from_status: RecommendationStatus
    to_status: RecommendationStatus
    note: str = ""
    changed_at: datetime


CONTRACTS: tuple[Contract, ...] = (
    Contract(AssemblyConvened, "governance", ("notifications",)),
    Contract(VotingOpened, "governance", ("notifications",)),
    Contract(VotingClosed, "governance", ("notifications",)),
    Contract(ResultsPublished, "governance", ("notifications",)),
    Contract(RecommendationSubmitted, "governance", ("notifications",)),
    Contract(RecommendationStatusChanged, "governance", ("notifications",)),
)
