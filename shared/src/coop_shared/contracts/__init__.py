"""Event payloads, one module per producing service.

``CATALOGUE`` lists every event type with its payload model, producer and
consumers; ``make contracts`` exports it as JSON Schemas and AsyncAPI.
"""

from __future__ import annotations

from dataclasses import dataclass

from coop_shared.contracts import members
from coop_shared.messaging.envelope import EventPayload


@dataclass(frozen=True)
class Contract:
    model: type[EventPayload]
    producer: str
    consumers: tuple[str, ...]

    @property
    def event_type(self) -> str:
        return self.model.event_type


CATALOGUE: tuple[Contract, ...] = (
    Contract(members.MemberRegistered, "members", ("notifications",)),
)


def by_type() -> dict[str, Contract]:
    return {c.event_type: c for c in CATALOGUE}
