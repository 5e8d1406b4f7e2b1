"""Activities (production units): what a member runs inside the cooperative.

Lifecycle: open <-> suspended -> closed; closed is final (its books are kept).
An individual activity is managed by its owner; a collective one (a group)
names a budget manager among its owner and co-managers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from members.domain.errors import Conflict, InvalidInput

MAX_CO_MANAGERS = 20


class ActivityStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ActivityKind(StrEnum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


class Sector(StrEnum):
    ARTS_AND_CULTURE = "arts_and_culture"
    EDUCATION = "education"
    EVENTS = "events"
    GARDENING = "gardening"
    WELL_BEING = "well_being"
    DIGITAL = "digital"
    JOURNALISM = "journalism"
    GAMES = "games"
    CRAFTS = "crafts"
    CONSULTING = "consulting"
    OTHER = "other"


_TRANSITIONS: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.OPEN: frozenset({ActivityStatus.SUSPENDED, ActivityStatus.CLOSED}),
    ActivityStatus.SUSPENDED: frozenset({ActivityStatus.OPEN, ActivityStatus.CLOSED}),
    ActivityStatus.CLOSED: frozenset(),
}


def check_name(name: str) -> str:
    text = " ".join(name.split())
    if not 1 <= len(text) <= 120:
        raise InvalidInput("invalid_activity_name", "The name must have 1 to 120 characters.", "name")
    return text


@dataclass
class Activity:
    id: str
    name: str
    sector: Sector
    owner_id: str
    kind: ActivityKind
    opened_at: datetime
    co_manager_ids: tuple[str, ...] = ()
    budget_manager_id: str | None = None
    status: ActivityStatus = ActivityStatus.OPEN
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0

    @classmethod
    def open(cls, *, activity_id: str, name: str, sector: Sector, owner_id: str, kind: ActivityKind,
             co_manager_ids: tuple[str, ...], budget_manager_id: str | None, now: datetime) -> Activity:
        activity = cls(id=activity_id, name=check_name(name), sector=sector, owner_id=owner_id, kind=kind,
                       opened_at=now, updated_at=now)
        activity._set_management(kind, co_manager_ids, budget_manager_id)
        return activity

    @property
    def managers(self) -> tuple[str, ...]:
        return (self.owner_id, *self.co_manager_ids)

    def _set_management(self, kind: ActivityKind, co_manager_ids: tuple[str, ...],
                        budget_manager_id: str | None) -> None:
        unique = tuple(dict.fromkeys(co_manager_ids))
        if self.owner_id in unique:
            raise InvalidInput("invalid_co_managers", "The owner is not also a co-manager.", "co_manager_ids")
        if len(unique) > MAX_CO_MANAGERS:
            raise InvalidInput("invalid_co_managers", f"At most {MAX_CO_MANAGERS} co-managers.", "co_manager_ids")
        if kind is ActivityKind.COLLECTIVE:
            if budget_manager_id is None:
                raise InvalidInput("budget_manager_required", "A collective activity names a budget manager.",
                                   "budget_manager_id")
            if budget_manager_id not in (self.owner_id, *unique):
                raise InvalidInput("invalid_budget_manager",
                                   "The budget manager is the owner or one of the co-managers.", "budget_manager_id")
        elif budget_manager_id not in (None, self.owner_id):
            raise InvalidInput("invalid_budget_manager", "An individual activity's budget is managed by its owner.",
                               "budget_manager_id")
        self.kind = kind
        self.co_manager_ids = unique
        self.budget_manager_id = budget_manager_id if kind is ActivityKind.COLLECTIVE else self.owner_id

    def _require_not_closed(self) -> None:
        if self.status is ActivityStatus.CLOSED:
            raise Conflict("activity_closed", "A closed activity cannot be changed.")

    def rename(self, name: str) -> bool:
        self._require_not_closed()
        new = check_name(name)
        if new == self.name:
            return False
        self.name = new
        return True

    def change_sector(self, sector: Sector) -> bool:
        self._require_not_closed()
        if sector is self.sector:
            return False
        self.sector = sector
        return True

    def change_management(self, *, kind: ActivityKind | None = None, co_manager_ids: tuple[str, ...] | None = None,
                          budget_manager_id: str | None = None, budget_manager_given: bool = False) -> bool:
        self._require_not_closed()
        before = (self.kind, self.co_manager_ids, self.budget_manager_id)
        new_kind = kind or self.kind
        new_co = co_manager_ids if co_manager_ids is not None else self.co_manager_ids
        new_budget = budget_manager_id if budget_manager_given else self.budget_manager_id
        if new_kind is ActivityKind.INDIVIDUAL and not budget_manager_given:
            new_budget = None
        self._set_management(new_kind, new_co, new_budget)
        return before != (self.kind, self.co_manager_ids, self.budget_manager_id)

    def move_to(self, status: ActivityStatus, now: datetime) -> bool:
        if status is self.status:
            return False
        if status not in _TRANSITIONS[self.status]:
            raise Conflict("invalid_activity_transition",
                           f"An activity cannot go from {self.status.value} to {status.value}.", "status")
        self.status = status
        if status is ActivityStatus.CLOSED:
            self.closed_at = now
        return True

    def is_visible_to(self, viewer_id: str) -> bool:
        """Owner and co-managers see an activity (advisors and admins: see service layer)."""
        return viewer_id in self.managers
