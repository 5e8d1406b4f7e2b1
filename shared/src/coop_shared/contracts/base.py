"""What the catalogue knows of an event: payload model, producer, consumers."""

from __future__ import annotations

from dataclasses import dataclass

from coop_shared.messaging.envelope import EventPayload


@dataclass(frozen=True)
class Contract:
    model: type[EventPayload]
    producer: str
    consumers: tuple[str, ...]

    @property
    def event_type(self) -> str:
        return self.model.event_type
