"""Request and response bodies of the governance API."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from coop_shared.persistence.mongo import Document
from governance.adapters.assemblies import quorum_text
from governance.domain.recommendations import RecommendationStatus
from governance.domain.resolution import BallotKind, Choice, MajorityRule
from governance.domain.voting import Proxy


def _request(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [example]})


# -- assemblies -----------------------------------------------------------------


class CreateAssembly(BaseModel):
    model_config = _request({
        "kind": "general", "title": "Ordinary general assembly 2026",
        "opens_at": "2026-06-01T09:00:00+02:00", "closes_at": "2026-06-08T18:00:00+02:00",
        "allow_vote_change": False, "max_proxies_per_voter": 1,
    })

    kind: Literal["general", "workers"] = Field(
        description="general: members with at least one fully paid share on the convocation day; "
                    "workers: people with a contract in the 12 months before it.")
    title: str = Field(min_length=1, max_length=200)
    opens_at: AwareDatetime = Field(description="Voting opens (inclusive). Must be in the future.")
    closes_at: AwareDatetime = Field(description="Voting closes (exclusive): a vote at this instant is late.")
    allow_vote_change: bool = Field(default=False, description="Open ballots only; a vote is final by default.")
    max_proxies_per_voter: int | None = Field(default=None, ge=0, le=10,
                                              description="Proxies one voter may carry (default: service setting, 1).")


class ResolutionOut(BaseModel):
    id: str
    number: int
    text: str
    majority: MajorityRule
    quorum: str = Field(description="Share of the electorate that must take part, as a fraction.")
    ballot: BallotKind


class ResultOut(BaseModel):
    resolution_id: str
    number: int
    text: str
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
    reason: Literal["adopted", "majority_not_reached", "no_votes_cast", "quorum_not_reached"]


class YourPart(BaseModel):
    """The caller's own situation in this assembly (never anyone else's)."""

    in_electorate: bool
    proxy_given_to: str | None = None
    proxies_held_from: list[str] = Field(default_factory=list)
    voted: dict[str, list[str]] = Field(default_factory=dict,
                                        description="Resolution ids with a recorded vote, by elector (you, or a "
                                                    "member whose proxy you hold). Choices are never shown.")


class AssemblyOut(BaseModel):
    id: str
    kind: Literal["general", "workers"]
    title: str
    state: Literal["draft", "convened", "voting_open", "closed", "results_published"]
    opens_at: datetime
    closes_at: datetime
    allow_vote_change: bool
    max_proxies_per_voter: int
    created_at: datetime
    convened_at: datetime | None = None
    convocation_day: date | None = None
    electorate_size: int = 0
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    published_at: datetime | None = None
    participants: int | None = Field(default=None, description="Distinct electors who voted (once published).")
    agenda: list[ResolutionOut]
    you: YourPart | None = None


def resolutions_out(doc: Document) -> list[ResolutionOut]:
    return [ResolutionOut(id=r["id"], number=n, text=r["text"], majority=r["majority"], quorum=r["quorum"],
                          ballot=r["ballot"]) for n, r in enumerate(doc["agenda"], start=1)]


def assembly_out(doc: Document, you: YourPart | None = None) -> AssemblyOut:
    day = doc.get("convocation_day")
    return AssemblyOut(
        id=doc["_id"], kind=doc["kind"], title=doc["title"], state=doc["state"], opens_at=doc["opens_at"],
        closes_at=doc["closes_at"], allow_vote_change=doc["allow_vote_change"],
        max_proxies_per_voter=doc["max_proxies_per_voter"], created_at=doc["created_at"],
        convened_at=doc.get("convened_at"), convocation_day=date.fromisoformat(day) if day else None,
        electorate_size=doc.get("electorate_size", 0), opened_at=doc.get("opened_at"),
        closed_at=doc.get("closed_at"), published_at=doc.get("published_at"), participants=doc.get("participants"),
        agenda=resolutions_out(doc), you=you)


def results_out(doc: Document, results: list[Document]) -> list[ResultOut]:
    by_id = {r["id"]: (n, r) for n, r in enumerate(doc["agenda"], start=1)}
    out = []
    for res in results:
        number, item = by_id[res["resolution_id"]]
        out.append(ResultOut(number=number, text=item["text"], **res))
    return out


class ResultsOut(BaseModel):
    assembly_id: str
    electorate_size: int
    participants: int
    published_at: datetime
    results: list[ResultOut]


class RecountOut(BaseModel):
    matches: bool = Field(description="True when counting the stored ballots again gives the published figures.")
    published: list[ResultOut]
    recounted: list[ResultOut]


class ElectorOut(BaseModel):
    member_id: str


# -- resolutions ----------------------------------------------------------------


class CreateResolution(BaseModel):
    model_config = _request({"text": "Approve the 2025 annual accounts.", "majority": "simple",
                             "quorum": "1/4", "ballot": "open"})

    text: str = Field(min_length=1, max_length=5000)
    majority: MajorityRule = Field(
        default=MajorityRule.SIMPLE,
        description="simple: more for than against; two_thirds / three_quarters: for >= 2/3 (3/4) of votes cast. "
                    "Abstentions never count as votes cast.")
    quorum: str = Field(default="0", max_length=20,
                        description="Share of the electorate that must take part: '1/2', '0.25', '0' (none).")
    ballot: BallotKind = BallotKind.OPEN

    @field_validator("quorum")
    @classmethod
    def _fraction(cls, value: str) -> str:
        try:
            fraction = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError("quorum must be a fraction such as '1/2' or a decimal such as '0.25'") from None
        if not 0 <= fraction <= 1:
            raise ValueError("quorum must be between 0 and 1")
        return quorum_text(fraction)


# -- votes and proxies --------------------------------------------------------------


class CastVote(BaseModel):
    model_config = _request({"choice": "for"})

    choice: Choice
    on_behalf_of: str | None = Field(default=None, min_length=1, max_length=100,
                                     description="The member whose proxy you carry, to vote in their name.")


class VoteOut(BaseModel):
    assembly_id: str
    resolution_id: str
    ballot: BallotKind
    elector_id: str = Field(description="Whose vote was recorded.")
    cast_by: str
    by_proxy: bool
    changed: bool = Field(description="True when this replaced an earlier vote (open ballots that allow it).")
    choice: Choice | None = Field(default=None, description="Echoed for open ballots only.")


class RegisterProxy(BaseModel):
    model_config = _request({"holder_id": "7d0f6a56-2c51-4a43-9d7c-1f8f3a2b9e11"})

    holder_id: str = Field(min_length=1, max_length=100, description="The member who will vote in your name.")


class ProxyOut(BaseModel):
    assembly_id: str
    giver_id: str
    holder_id: str
    registered_at: datetime


def proxy_out(assembly_id: str, p: Proxy) -> ProxyOut:
    return ProxyOut(assembly_id=assembly_id, giver_id=p.giver_id, holder_id=p.holder_id,
                    registered_at=p.registered_at)


class MyProxies(BaseModel):
    given: ProxyOut | None
    held: list[ProxyOut]


# -- recommendations --------------------------------------------------------------


class SubmitRecommendation(BaseModel):
    model_config = _request({"title": "Publish the guarantee fund's balance monthly",
                             "text": "Members would like to see the fund's balance every month in the app."})

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)
    assembly_id: str | None = Field(default=None, max_length=100,
                                    description="The assembly it was raised at, if any.")


class ChangeStatus(BaseModel):
    model_config = _request({"status": "in_progress", "note": "Taken up by the board in June."})

    status: RecommendationStatus
    note: str = Field(default="", max_length=2000, description="Required to mark it rejected or not_done.")


class StatusChangeOut(BaseModel):
    from_status: RecommendationStatus
    to_status: RecommendationStatus
    at: datetime
    note: str


class RecommendationOut(BaseModel):
    id: str
    author_id: str
    title: str
    text: str
    assembly_id: str | None
    status: RecommendationStatus
    submitted_at: datetime
    history: list[StatusChangeOut]
