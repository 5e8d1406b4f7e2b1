"""Who may do what with an activity's clients, quotes and invoices.

Pure rules over the read model fed by the members service's events:
- the owner and the co-managers of an activity manage its documents;
- only a manager in good standing invoices through it, and only while it is open;
- an advisor sees the activities of the members they support; an admin sees all.
The statute (one fully paid category A share per started year of use) is the
members service's: its events say whether a member is in good standing and
the last day the shares paid keep them so, and this side compares its day
with that date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: str
    shares_paid: int = 0
    # As the members service last reported; None: a record from before it reported standing (then one paid share).
    standing: bool | None = None
    good_standing_until: date | None = None
    advisor_id: str | None = None
    erased: bool = False

    def in_good_standing(self, today: date) -> bool:
        if self.erased:
            return False
        reported = self.shares_paid >= 1 if self.standing is None else self.standing
        return reported and (self.good_standing_until is None or today <= self.good_standing_until)


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
