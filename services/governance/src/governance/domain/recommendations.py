"""Members' recommendations (participatory proposals), tracked to an outcome.

submitted -> in_progress | rejected | postponed
in_progress -> done | not_done | postponed
postponed -> in_progress | rejected | not_done
done, not_done, rejected are final: an outcome reported to members is not
silently rewritten; a new recommendation is filed instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from governance.domain.errors import ErrorCode, InvalidTransition, InvalidValue
from governance.domain.lifecycle import require_aware


class RecommendationStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE = "not_done"
    REJECTED = "rejected"
    POSTPONED = "postponed"


_S = RecommendationStatus
RECOMMENDATION_TRANSITIONS: dict[RecommendationStatus, frozenset[RecommendationStatus]] = {
    _S.SUBMITTED: frozenset({_S.IN_PROGRESS, _S.REJECTED, _S.POSTPONED}),
    _S.IN_PROGRESS: frozenset({_S.DONE, _S.NOT_DONE, _S.POSTPONED}),
    _S.POSTPONED: frozenset({_S.IN_PROGRESS, _S.REJECTED, _S.NOT_DONE}),
    _S.DONE: frozenset(),
    _S.NOT_DONE: frozenset(),
    _S.REJECTED: frozenset(),
}
FINAL_STATUSES = frozenset(s for s, nxt in RECOMMENDATION_TRANSITIONS.items() if not nxt)


def can_transition(current: RecommendationStatus, to: RecommendationStatus) -> bool:
    return to in RECOMMENDATION_TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class StatusChange:
    from_status: RecommendationStatus
    to_status: RecommendationStatus
    at: datetime
    note: str


@dataclass(eq=False)
class Recommendation:
    id: str
    author_id: str
    text: str
    submitted_at: datetime
    assembly_id: str | None = None
    title: str = ""
    status: RecommendationStatus = RecommendationStatus.SUBMITTED
    history: list[StatusChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id or not self.author_id:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "id and author are required", "author_id")
        if not self.text.strip():
            raise InvalidValue(ErrorCode.INVALID_VALUE, "a recommendation needs a text", "text")
        if not self.title.strip():
            # A short headline for lists and notifications; the text's first line by default.
            self.title = self.text.strip().splitlines()[0][:200]
        require_aware(self.submitted_at, "submitted_at")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recommendation) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def transition(self, to: RecommendationStatus, at: datetime, note: str = "") -> None:
        """Move to ``to``; a rejection or a "not done" must say why (members are owed a reason)."""
        require_aware(at, "at")
        try:
            to = RecommendationStatus(to)
        except ValueError:
            raise InvalidValue(ErrorCode.INVALID_VALUE, f"unknown status {to!r}", "status") from None
        if not can_transition(self.status, to):
            raise InvalidTransition(
                ErrorCode.INVALID_TRANSITION,
                f"cannot go from {self.status.value} to {to.value}",
                "status",
            )
        if to in (_S.REJECTED, _S.NOT_DONE) and not note.strip():
            raise InvalidValue(
                ErrorCode.INVALID_VALUE,
                f"a reason is required to mark it {to.value}",
                "note",
            )
        last = self.history[-1].at if self.history else self.submitted_at
        if at < last:
            raise InvalidValue(ErrorCode.INVALID_VALUE, "status changes must be in time order", "at")
        self.history.append(StatusChange(self.status, to, at, note))
        self.status = to
