"""What payroll knows of members and activities (copied from the members service's events),
and who may see which payroll data.

A member sees their own contracts and payslips, and the ledger of the
activities they own or co-manage; an advisor sees those of the members they
support; an admin sees everything. Anything else answers "not found", never
"forbidden": the existence of someone else's payslip is itself private.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payroll.domain.contracts import ArtsAttestation


class ViewerRole(StrEnum):
    MEMBER = "member"
    ADVISOR = "advisor"
    ADMIN = "admin"


class ActivityStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Viewer:
    id: str
    role: ViewerRole


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: str
    full_name: str = ""
    iban: str | None = None
    advisor_id: str | None = None
    attestation: ArtsAttestation | None = None
    erased: bool = False


@dataclass(frozen=True, slots=True)
class ActivityView:
    activity_id: str
    owner_id: str
    co_manager_ids: tuple[str, ...] = ()
    name: str = ""
    status: ActivityStatus = ActivityStatus.OPEN

    @property
    def managers(self) -> tuple[str, ...]:
        return (self.owner_id, *self.co_manager_ids)

    def is_managed_by(self, member_id: str) -> bool:
        return member_id in self.managers


def can_see_member_records(viewer: Viewer, member_id: str, member: MemberView | None) -> bool:
    """Contracts, payslips and salary requests of ``member_id``."""
    if viewer.role is ViewerRole.ADMIN or viewer.id == member_id:
        return True
    return viewer.role is ViewerRole.ADVISOR and member is not None and member.advisor_id == viewer.id


def can_see_activity(viewer: Viewer, activity: ActivityView | None, owner: MemberView | None) -> bool:
    """The ledger and statement of an activity."""
    if viewer.role is ViewerRole.ADMIN:
        return True
    if activity is None:
        return False
    if activity.is_managed_by(viewer.id):
        return True
    return viewer.role is ViewerRole.ADVISOR and owner is not None and owner.advisor_id == viewer.id
