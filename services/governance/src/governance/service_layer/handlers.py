"""Event handlers feeding the read model (members and payroll events).

Each event is parsed with a small view of our own (only the fields we use;
anything else is ignored, so producers may add optional fields) and applied
once per event id with ``apply_once``. Entries are keyed by the event's own
entry ids as well, so even a replay that slipped past the marker would
rewrite the same document rather than count a share twice.

Dates: a share counts from the Brussels day it was paid (``paid_at``);
transfers and resignations carry no date of their own, so the envelope's
``time`` (when the members service recorded them) gives their day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import ClassVar

from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.clock import COOPERATIVE_TZ
from coop_shared.contracts.views import ConsumerView
from coop_shared.messaging.consumer import Handler, PermanentError
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.idempotency import apply_once
from coop_shared.service import Runtime
from governance.adapters.read_model import ReadModel
from governance.domain.electorate import Contract, ShareEntry, ShareEntryKind
from governance.domain.errors import DomainError


class MemberNamed(ConsumerView):  # also members.member.updated.v1: same fields
    event_type: ClassVar[str] = "members.member.registered.v1"

    member_id: str
    full_name: str


class MemberErased(ConsumerView):
    event_type: ClassVar[str] = "members.member.erased.v1"

    member_id: str
    erased_at: datetime | None = None


class SharePaid(ConsumerView):
    event_type: ClassVar[str] = "members.share.paid.v1"

    member_id: str
    entry_id: str
    category: str
    quantity: int
    paid_at: datetime


class ShareTransferred(ConsumerView):
    event_type: ClassVar[str] = "members.share.transferred.v1"

    transfer_id: str
    category: str
    quantity: int
    from_member_id: str
    to_member_id: str


class ShareResigned(ConsumerView):
    event_type: ClassVar[str] = "members.share.resigned.v1"

    member_id: str
    entry_id: str
    category: str
    quantity: int


class ContractCreated(ConsumerView):
    event_type: ClassVar[str] = "payroll.contract.created.v1"

    contract_id: str
    member_id: str
    first_day: date
    last_day: date | None = None


def _day(at: datetime) -> date:
    return at.astimezone(COOPERATIVE_TZ).date()


Effect = Callable[[ReadModel, Envelope, AsyncClientSession], Awaitable[None]]


async def _named(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    event = envelope.payload(MemberNamed)
    await rm.put_name(event.member_id, event.full_name, envelope.time, session)


async def _erased(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    event = envelope.payload(MemberErased)
    await rm.erase(event.member_id, event.erased_at or envelope.time, session)


async def _share_paid(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    e = envelope.payload(SharePaid)
    entry = ShareEntry(e.member_id, ShareEntryKind.PAID, e.quantity, _day(e.paid_at))
    await rm.put_share_entry(f"paid:{e.entry_id}", entry, e.category, envelope.id, session)


async def _share_transferred(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    e = envelope.payload(ShareTransferred)
    day = _day(envelope.time)
    out = ShareEntry(e.from_member_id, ShareEntryKind.TRANSFERRED_OUT, e.quantity, day)
    in_ = ShareEntry(e.to_member_id, ShareEntryKind.TRANSFERRED_IN, e.quantity, day)
    await rm.put_share_entry(f"transfer:{e.transfer_id}:out", out, e.category, envelope.id, session)
    await rm.put_share_entry(f"transfer:{e.transfer_id}:in", in_, e.category, envelope.id, session)


async def _share_resigned(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    e = envelope.payload(ShareResigned)
    entry = ShareEntry(e.member_id, ShareEntryKind.RESIGNED, e.quantity, _day(envelope.time))
    await rm.put_share_entry(f"resigned:{e.entry_id}", entry, e.category, envelope.id, session)


async def _contract_created(rm: ReadModel, envelope: Envelope, session: AsyncClientSession) -> None:
    e = envelope.payload(ContractCreated)
    await rm.put_contract(e.contract_id, Contract(e.member_id, e.first_day, e.last_day), session)


EFFECTS: dict[str, Effect] = {
    "members.member.registered.v1": _named,
    "members.member.updated.v1": _named,
    "members.member.erased.v1": _erased,
    "members.share.paid.v1": _share_paid,
    "members.share.transferred.v1": _share_transferred,
    "members.share.resigned.v1": _share_resigned,
    "payroll.contract.created.v1": _contract_created,
}


def build_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    read_model = ReadModel(runtime.db)

    def handler_for(event_type: str, effect: Effect) -> Handler:
        async def handle(envelope: Envelope) -> None:
            async def apply(session: AsyncClientSession) -> None:
                try:
                    await effect(read_model, envelope, session)
                except (DomainError, ValidationError) as exc:
                    # Data that can never be applied (a zero quantity, a contract
                    # ending before it starts): park it for ops, don't retry.
                    raise PermanentError(f"{event_type} {envelope.id}: {exc}") from exc

            await apply_once(runtime.mongo, runtime.db, handler=f"governance:{event_type}", event_id=envelope.id,
                             effect=apply)

        return handle

    return {event_type: handler_for(event_type, effect) for event_type, effect in EFFECTS.items()}
