"""Events produced by the members service.

Payloads carry what other services keep in their read models: identity and
language (notifications), IBAN (payroll pays salaries to it), shares and good
standing (invoicing lets only members in good standing invoice, governance
builds electorates), activities (invoicing and payroll book on them), arts
attestations (payroll: article 1bis contracts). Money is Decimal, serialised
as a string so no float ever touches it.

Good standing moves with time as well as with events (one fully paid share
per started year of use, counted from ``usage_started_on``): consumers that
need it for another day recompute ``shares_required`` from that date.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload

Language = Literal["fr", "nl", "en"]
RoleName = Literal["member", "advisor", "admin"]
ShareCategory = Literal["A", "B"]
ActivityStatusName = Literal["open", "suspended", "closed"]
ActivityKindName = Literal["individual", "collective"]
AttestationTypeName = Literal["ordinary", "plus", "starter"]

EVERYONE = ("notifications", "invoicing", "payroll", "governance")


class MemberRegistered(EventPayload):
    event_type: ClassVar[str] = "members.member.registered.v1"

    member_id: str = Field(description="Stable id of the member.")
    email: str
    full_name: str
    language: Language = "fr"
    role: RoleName = "member"
    iban: str | None = Field(default=None, description="Compact IBAN for salary payments (SEPA).")
    registered_at: datetime | None = None


class MemberUpdated(EventPayload):
    event_type: ClassVar[str] = "members.member.updated.v1"

    member_id: str
    email: str
    full_name: str
    language: Language
    iban: str | None = None
    changed: list[str] = Field(default_factory=list, description="Names of the fields that changed.")


class MemberErased(EventPayload):
    """The person asked for erasure (GDPR art. 17). Every service removes the
    personal data it holds about ``member_id`` and keeps only what a legal
    retention period requires (invoices, payslips: 10 years), marked
    restricted: kept, not used, not shown."""

    event_type: ClassVar[str] = "members.member.erased.v1"

    member_id: str
    erased_at: datetime
    restricted: list[str] = Field(default_factory=list,
                                  description="Records the members service keeps restricted (legal retention).")


class MemberRoleChanged(EventPayload):
    event_type: ClassVar[str] = "members.member.role_changed.v1"

    member_id: str
    role: RoleName
    previous_role: RoleName
    changed_by: str


class TokenVersionChanged(EventPayload):
    """Access tokens of ``member_id`` issued before ``token_version`` are no
    longer valid (role change, erasure, logout everywhere, password change).
    Every service that verifies tokens keeps the latest version per member in
    its own store and refuses older tokens: no call to members per request."""

    event_type: ClassVar[str] = "members.member.token_version_changed.v1"

    member_id: str
    token_version: int = Field(ge=1, description="Tokens with a smaller `token_version` claim are refused.")
    reason: Literal["role_changed", "erased", "logout_everywhere", "password_changed"]


class AdvisorAssigned(EventPayload):
    event_type: ClassVar[str] = "members.member.advisor_assigned.v1"

    member_id: str
    advisor_id: str | None = Field(description="None: the member has no advisor any more.")
    previous_advisor_id: str | None = None


class AttestationRecorded(EventPayload):
    """An arts work attestation, which allows article 1bis contracts while valid."""

    event_type: ClassVar[str] = "members.attestation.recorded.v1"

    member_id: str
    attestation_type: AttestationTypeName
    valid_from: date
    valid_to: date


class _Standing(EventPayload):
    member_id: str
    shares_paid: int = Field(description="Fully paid category A shares held after this movement.")
    shares_required: int = Field(description="Fully paid shares good standing needs today (one per year of use).")
    in_good_standing: bool
    usage_started_on: date | None = Field(default=None, description="Start of the first year of use.")
    good_standing_until: date | None = Field(
        default=None, description="Last day the shares paid keep the member in good standing, as the statute counts "
                                  "years of use: consumers compare their day with it instead of recounting. Null: "
                                  "no year of use has started, or the shares do not cover today.")


class StandingChanged(_Standing):
    """The standing moved without a share movement: the first activity started the first year of use."""

    event_type: ClassVar[str] = "members.member.standing_changed.v1"


class ShareSubscribed(_Standing):
    event_type: ClassVar[str] = "members.share.subscribed.v1"

    entry_id: str
    category: ShareCategory
    quantity: int
    unit_price: Decimal
    amount: Decimal


class SharePaid(_Standing):
    event_type: ClassVar[str] = "members.share.paid.v1"

    entry_id: str
    subscription_id: str
    category: ShareCategory
    quantity: int
    amount: Decimal
    paid_at: datetime


class ShareTransferred(EventPayload):
    event_type: ClassVar[str] = "members.share.transferred.v1"

    transfer_id: str
    category: ShareCategory
    quantity: int
    amount: Decimal
    from_member_id: str
    from_shares_paid: int
    from_in_good_standing: bool
    from_good_standing_until: date | None = Field(default=None, description="As `good_standing_until`.")
    to_member_id: str
    to_shares_paid: int
    to_in_good_standing: bool
    to_good_standing_until: date | None = Field(default=None, description="As `good_standing_until`.")


class ShareResigned(_Standing):
    """Shares given back: their nominal value is due by ``refund_due_on``."""

    event_type: ClassVar[str] = "members.share.resigned.v1"

    entry_id: str
    category: ShareCategory
    quantity: int
    refund_amount: Decimal
    refund_due_on: date


class ShareRefunded(EventPayload):
    event_type: ClassVar[str] = "members.share.refunded.v1"

    entry_id: str
    resignation_id: str
    member_id: str
    category: ShareCategory
    quantity: int
    amount: Decimal
    refunded_at: datetime


class _ActivityState(EventPayload):
    activity_id: str
    name: str
    sector: str
    owner_id: str
    co_manager_ids: list[str] = Field(default_factory=list)
    kind: ActivityKindName
    budget_manager_id: str | None = None
    status: ActivityStatusName


class ActivityOpened(_ActivityState):
    event_type: ClassVar[str] = "members.activity.opened.v1"

    opened_at: datetime


class ActivityUpdated(_ActivityState):
    event_type: ClassVar[str] = "members.activity.updated.v1"

    changed: list[str] = Field(default_factory=list)


class ActivityClosed(_ActivityState):
    event_type: ClassVar[str] = "members.activity.closed.v1"

    closed_at: datetime


CONTRACTS: tuple[Contract, ...] = (
    Contract(MemberRegistered, "members", EVERYONE),
    Contract(MemberUpdated, "members", EVERYONE),
    Contract(MemberErased, "members", EVERYONE),
    Contract(MemberRoleChanged, "members", ("notifications", "invoicing")),
    Contract(TokenVersionChanged, "members", ("gateway", *EVERYONE)),
    Contract(AdvisorAssigned, "members", ("notifications", "invoicing", "payroll")),
    Contract(AttestationRecorded, "members", ("notifications", "payroll")),
    Contract(StandingChanged, "members", ("notifications", "invoicing")),
    Contract(ShareSubscribed, "members", ("notifications",)),
    Contract(SharePaid, "members", ("notifications", "invoicing", "governance")),
    Contract(ShareTransferred, "members", ("notifications", "invoicing", "governance")),
    Contract(ShareResigned, "members", ("notifications", "invoicing", "governance")),
    Contract(ShareRefunded, "members", ("notifications",)),
    Contract(ActivityOpened, "members", ("notifications", "invoicing", "payroll")),
    Contract(ActivityUpdated, "members", ("notifications", "invoicing", "payroll")),
    Contract(ActivityClosed, "members", ("notifications", "invoicing", "payroll")),
)
