"""Event handlers: the members and payroll events that feed the read model.

Each effect runs once per event (``apply_once``) and is ordered by the
event's time (or the ledger sequence for budgets), so redeliveries and
out-of-order deliveries leave the read model as the latest event says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.notifications import SendingStatusChanged
from coop_shared.messaging.consumer import Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.idempotency import apply_once
from coop_shared.service import Runtime
from invoicing.adapters.read_models import ReadModel
from invoicing.adapters.repositories import SendingsRepository
from invoicing.service_layer import upstream as up
from invoicing.service_layer.sendings import apply_status
from invoicing.service_layer.transfers import transfer_refused, transfer_settled

Effect = Callable[[Envelope, AsyncClientSession], Awaitable[None]]


def build_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    model = ReadModel(runtime.db)
    sendings = SendingsRepository(runtime.db)

    async def profile(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.MemberProfile)
        fields = {"email": event.email, "full_name": event.full_name, "language": event.language}
        await model.set_member(event.member_id, "profile", envelope.time, fields, session)
        if event.role is not None:
            await model.set_member(event.member_id, "role", envelope.time, {"role": event.role}, session)

    async def erased(envelope: Envelope, session: AsyncClientSession) -> None:
        # Personal data goes; the id stays (issued invoices keep it 10 years).
        event = envelope.payload(up.MemberErased)
        await model.set_member(event.member_id, "erasure", envelope.time, {"erased": True}, session,
                               unset=("email", "full_name"))

    async def role_changed(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.MemberRoleChanged)
        await model.set_member(event.member_id, "role", envelope.time, {"role": event.role}, session)

    async def advisor_assigned(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.AdvisorAssigned)
        await model.set_member(event.member_id, "advisor", envelope.time, {"advisor_id": event.advisor_id},
                               session)

    async def standing(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.Standing)
        await model.set_standing(event.member_id, envelope.time, event.shares_paid, event.in_good_standing,
                                 event.good_standing_until, session)

    async def transferred(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.ShareTransferred)
        await model.set_standing(event.from_member_id, envelope.time, event.from_shares_paid,
                                 event.from_in_good_standing, event.from_good_standing_until, session)
        await model.set_standing(event.to_member_id, envelope.time, event.to_shares_paid,
                                 event.to_in_good_standing, event.to_good_standing_until, session)

    async def activity(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.ActivityState)
        state = {"name": event.name, "owner_id": event.owner_id, "co_manager_ids": event.co_manager_ids,
                 "status": event.status}
        await model.set_activity(event.activity_id, envelope.time, state, session)

    async def budget(envelope: Envelope, session: AsyncClientSession) -> None:
        event = envelope.payload(up.BudgetChanged)
        await model.set_budget(event.activity_id, event.available_budget, event.ledger_sequence, session)

    async def sending_status(envelope: Envelope, session: AsyncClientSession) -> None:
        await apply_status(sendings, envelope.payload(SendingStatusChanged), session)

    async def settled(envelope: Envelope, session: AsyncClientSession) -> None:
        await transfer_settled(runtime.db, session, envelope.data, envelope.time)

    async def refused(envelope: Envelope, session: AsyncClientSession) -> None:
        await transfer_refused(runtime.db, session, envelope.data, envelope.time)

    effects: dict[str, tuple[str, Effect]] = {
        SendingStatusChanged.event_type: ("sendings.status", sending_status),
        "payroll.internal_transfer.settled.v1": ("internal_transfer.settled", settled),
        "payroll.internal_transfer.refused.v1": ("internal_transfer.refused", refused),
        up.MEMBER_REGISTERED: ("read_model.member_profile", profile),
        up.MEMBER_UPDATED: ("read_model.member_profile", profile),
        up.MEMBER_ERASED: ("read_model.member_erased", erased),
        up.MEMBER_ROLE_CHANGED: ("read_model.member_role", role_changed),
        up.ADVISOR_ASSIGNED: ("read_model.member_advisor", advisor_assigned),
        up.STANDING_CHANGED: ("read_model.member_standing", standing),
        up.SHARE_PAID: ("read_model.member_standing", standing),
        up.SHARE_RESIGNED: ("read_model.member_standing", standing),
        up.SHARE_TRANSFERRED: ("read_model.member_standing", transferred),
        up.ACTIVITY_OPENED: ("read_model.activity", activity),
        up.ACTIVITY_UPDATED: ("read_model.activity", activity),
        up.ACTIVITY_CLOSED: ("read_model.activity", activity),
        up.BUDGET_CHANGED: ("read_model.budget", budget),
    }

    def handler(name: str, effect: Effect) -> Handler:
        async def handle(envelope: Envelope) -> None:
            async def work(session: AsyncClientSession) -> None:
                await effect(envelope, session)

            await apply_once(runtime.mongo, runtime.db, handler=name, event_id=envelope.id, effect=work)

        return handle

    return {event_type: handler(name, effect) for event_type, (name, effect) in effects.items()}
