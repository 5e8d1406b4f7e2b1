"""Our own view of the events we consume: only the fields invoicing uses.

Deliberately not the producers' contract classes: a producer may add fields
(ignored here) without touching this service, and this file says exactly what
invoicing depends on. Names follow coop_shared.contracts.members / payroll.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from coop_shared.contracts.views import ConsumerView

MEMBER_REGISTERED = "members.member.registered.v1"
MEMBER_UPDATED = "members.member.updated.v1"
MEMBER_ERASED = "members.member.erased.v1"
MEMBER_ROLE_CHANGED = "members.member.role_changed.v1"
ADVISOR_ASSIGNED = "members.member.advisor_assigned.v1"
STANDING_CHANGED = "members.member.standing_changed.v1"
SHARE_PAID = "members.share.paid.v1"
SHARE_RESIGNED = "members.share.resigned.v1"
SHARE_TRANSFERRED = "members.share.transferred.v1"
ACTIVITY_OPENED = "members.activity.opened.v1"
ACTIVITY_UPDATED = "members.activity.updated.v1"
ACTIVITY_CLOSED = "members.activity.closed.v1"
BUDGET_CHANGED = "payroll.budget.changed.v1"


class MemberProfile(ConsumerView):
    """registered.v1 and updated.v1."""

    member_id: str
    email: str
    full_name: str
    language: str = "fr"
    role: str | None = None  # only on registered.v1


class MemberErased(ConsumerView):
    member_id: str


class MemberRoleChanged(ConsumerView):
    member_id: str
    role: str


class AdvisorAssigned(ConsumerView):
    member_id: str
    advisor_id: str | None


class Standing(ConsumerView):
    """share.paid.v1, share.resigned.v1 and member.standing_changed.v1: the member's standing after the change."""

    member_id: str
    shares_paid: int
    in_good_standing: bool | None = None
    good_standing_until: date | None = None


class ShareTransferred(ConsumerView):
    from_member_id: str
    from_shares_paid: int
    from_in_good_standing: bool | None = None
    from_good_standing_until: date | None = None
    to_member_id: str
    to_shares_paid: int
    to_in_good_standing: bool | None = None
    to_good_standing_until: date | None = None


class ActivityState(ConsumerView):
    """opened.v1, updated.v1 and closed.v1 all carry the whole state."""

    activity_id: str
    name: str
    owner_id: str
    co_manager_ids: list[str] = Field(default_factory=list)
    status: str


class BudgetChanged(ConsumerView):
    activity_id: str
    available_budget: Decimal
    ledger_sequence: int
