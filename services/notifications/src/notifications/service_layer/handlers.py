"""The consumer's handlers: every event type the catalogue, the directory or
partners' webhooks need, all through the same use case."""

from __future__ import annotations

from collections.abc import Mapping

from coop_shared.messaging.consumer import Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.service import Runtime
from notifications.domain.catalogue import RULES, partner_event_types
from notifications.domain.directory import PROJECTIONS
from notifications.service_layer.context import context_of
from notifications.service_layer.notify import handle_event


def handled_event_types() -> list[str]:
    """Messages to people, the directory, and every type partners may subscribe to."""
    return sorted({rule.event_type for rule in RULES} | set(PROJECTIONS) | set(partner_event_types()))


def build_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    async def handle(envelope: Envelope) -> None:
        # The context is read when an event comes: the handlers exist before the composition root runs.
        await handle_event(context_of(runtime), envelope)

    return dict.fromkeys(handled_event_types(), handle)
