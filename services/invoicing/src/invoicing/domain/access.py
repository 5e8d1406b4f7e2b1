"""Who may do what with an activity's clients, quotes and invoices.

Pure rules over the read model fed by the members service's events:
- the owner and the co-managers of an activity manage its documents;
- only a manager in good standing (one fully paid category A share per
  started year of use) invoices through it, and only while it is open;
- an advisor sees the activities of the members they support; an admin sees all.
Good standing moves with the calendar, so it is recomputed for the day asked,
from the paid shares and the start of use carried by the events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


def required_shares(usage_started_on: date | None, today: date) -> int:
    """Fully paid shares needed on ``today``: one per started year of use, at least one."""
    if usage_started_on is None or today <= usage_started_on:
        return 1
    years = today.year - usage_started_on.year
    if (today.month, today.day) < (usage_started_on.month, usage_started_on.day):
        years -= 1
    return years + 1


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: str
    shares_paid: int = 0
    usage_started_on: date | None = None
    advisor_id: str | None = None
    erased: bool = False

    def in_good_standing(self, today: date) -> bool:
        return not self.erased and self.shares_paid >= required_shares(self.usage_started_on, today)


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    id: str
    name: str
    owner_id: str
    co_manager_ids: tuple[str, ...] = field(default_factory=tuple)
    status: str = "open"

    @property
    def managers(self) -> tuple[str, ...]:
        return (self.owner_id, *self.co_manager_ids)

    def is_managed_by(self, member_id: str) -> bool:
        return member_id in self.managers

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def supported_by(activity: ActivityRecord, advisor_id: str, members: Iterable[MemberRecord]) -> bool:
    """An advisor supports an activity when they advise one of its managers."""
    managers = set(activity.managers)
    return any(m.id in managers and m.advisor_id == advisor_id for m in members)
