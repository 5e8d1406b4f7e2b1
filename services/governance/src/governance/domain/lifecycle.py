"""Assembly states and the voting window.

Kept apart from ``assembly`` so the pure voting rules can depend on them
without depending on the Assembly entity (and vice versa).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from governance.domain.errors import ErrorCode, InvalidValue


class AssemblyKind(StrEnum):
    GENERAL = "general"
    WORKERS = "workers"


class AssemblyState(StrEnum):
    DRAFT = "draft"
    CONVENED = "convened"
    VOTING_OPEN = "voting_open"
    CLOSED = "closed"
    RESULTS_PUBLISHED = "results_published"


# Strictly linear: no way back, so a published result can never be reopened
# and an electorate frozen at convening can never be recomputed.
ASSEMBLY_TRANSITIONS: dict[AssemblyState, frozenset[AssemblyState]] = {
    AssemblyState.DRAFT: frozenset({AssemblyState.CONVENED}),
    AssemblyState.CONVENED: frozenset({AssemblyState.VOTING_OPEN}),
    AssemblyState.VOTING_OPEN: frozenset({AssemblyState.CLOSED}),
    AssemblyState.CLOSED: frozenset({AssemblyState.RESULTS_PUBLISHED}),
    AssemblyState.RESULTS_PUBLISHED: frozenset(),
}


def require_aware(value: datetime, field: str) -> None:
    # Naive and aware datetimes cannot be compared; refuse naive ones early
    # instead of failing with a TypeError in the middle of a vote.
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(ErrorCode.INVALID_VALUE, f"{field} must be timezone-aware", field)


@dataclass(frozen=True, slots=True)
class VotingWindow:
    """Half-open interval [opens_at, closes_at): a vote at ``closes_at`` is late."""

    opens_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.opens_at, "opens_at")
        require_aware(self.closes_at, "closes_at")
        if self.closes_at <= self.opens_at:
            raise InvalidValue(
                ErrorCode.INVALID_VOTING_WINDOW,
                "voting must close after it opens",
                "closes_at",
            )

    def contains(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at
