"""Members events into payroll's read model of members and activities.

Consumer-side views: only the fields payroll needs, unknown fields ignored,
so the members service may add fields freely. Writes are guarded by event
time (see the repository), which makes them idempotent without a marker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Literal

from pydantic import Field

from coop_shared.contracts.views import ConsumerView
from coop_shared.messaging.consumer import PermanentError
from coop_shared.messaging.envelope import Envelope
from coop_shared.service import Runtime
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.domain.access import ActivityStatus, ActivityView
from payroll.domain.contracts import ArtsAttestation, AttestationType
from payroll.domain.errors import DomainError

MEMBER_REGISTERED = "members.member.registered.v1"
MEMBER_UPDATED = "members.member.updated.v1"
MEMBER_ERASED = "members.member.erased.v1"
ADVISOR_ASSIGNED = "members.member.advisor_assigned.v1"
ATTESTATION_RECORDED = "members.attestation.recorded.v1"
ACTIVITY_OPENED = "members.activity.opened.v1"
ACTIVITY_UPDATED = "members.activity.updated.v1"
ACTIVITY_CLOSED = "members.activity.closed.v1"


class MemberProfile(ConsumerView):
    member_id: str
    full_name: str = ""
    iban: str | None = None


class MemberRef(ConsumerView):
    member_id: str


class AdvisorChange(ConsumerView):
    member_id: str
    advisor_id: str | None = None


class Attestation(ConsumerView):
    member_id: str
    attestation_type: AttestationType
    valid_from: date
    valid_to: date


class ActivityState(ConsumerView):
    activity_id: str
    owner_id: str
    co_manager_ids: list[str] = Field(default_factory=list)
    name: str = ""
    status: Literal["open", "suspended", "closed"] = "open"


Handler = Callable[[Envelope], Awaitable[None]]


def directory_handlers(runtime: Runtime) -> dict[str, Handler]:
    directory = DirectoryRepository(runtime.db)

    async def profile(envelope: Envelope) -> None:
        member = envelope.payload(MemberProfile)
        await directory.set_member_profile(member.member_id, envelope.time, full_name=member.full_name,
                                           iban=member.iban)

    async def erased(envelope: Envelope) -> None:
        await directory.erase_member(envelope.payload(MemberRef).member_id, envelope.time)

    async def advisor(envelope: Envelope) -> None:
        change = envelope.payload(AdvisorChange)
        await directory.set_advisor(change.member_id, envelope.time, change.advisor_id)

    async def attestation(envelope: Envelope) -> None:
        recorded = envelope.payload(Attestation)
        try:
            value = ArtsAttestation(recorded.attestation_type, recorded.valid_from, recorded.valid_to)
        except DomainError as error:
            raise PermanentError(f"{envelope.id}: {error.message}") from error
        await directory.set_attestation(recorded.member_id, envelope.time, value)

    async def activity(envelope: Envelope) -> None:
        state = envelope.payload(ActivityState)
        status = ActivityStatus.CLOSED if envelope.type == ACTIVITY_CLOSED else ActivityStatus(state.status)
        await directory.set_activity(ActivityView(state.activity_id, state.owner_id, tuple(state.co_manager_ids),
                                                  state.name, status), envelope.time)

    return {
        MEMBER_REGISTERED: profile,
        MEMBER_UPDATED: profile,
        MEMBER_ERASED: erased,
        ADVISOR_ASSIGNED: advisor,
        ATTESTATION_RECORDED: attestation,
        ACTIVITY_OPENED: activity,
        ACTIVITY_UPDATED: activity,
        ACTIVITY_CLOSED: activity,
    }
