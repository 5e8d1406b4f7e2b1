"""Event handlers: each event becomes inbox entries, exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.members import MemberRegistered
from coop_shared.messaging.consumer import Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.idempotency import apply_once
from coop_shared.service import Runtime
from notifications.adapters.inbox_repository import InboxRepository
from notifications.domain.messages import welcome_message


def build_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    inbox = InboxRepository(runtime.db)

    async def on_member_registered(envelope: Envelope) -> None:
        event: MemberRegistered = envelope.payload(MemberRegistered)
        title, body = welcome_message(event.full_name, event.language)

        async def effect(session: AsyncClientSession) -> None:
            await inbox.add({
                "_id": str(uuid.uuid4()), "recipient_id": event.member_id, "event_id": envelope.id,
                "event_type": envelope.type, "title": title, "body": body,
                "created_at": datetime.now(UTC), "read_at": None,
            }, session)

        await apply_once(runtime.mongo, runtime.db, handler="inbox.member_registered",
                         event_id=envelope.id, effect=effect)

    return {MemberRegistered.event_type: on_member_registered}
