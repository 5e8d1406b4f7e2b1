"""The event envelope (CloudEvents attribute names) and event payload base."""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from coop_shared.clock import wall_time
from coop_shared.observability.context import current_causation_id, current_correlation_id


class EventPayload(BaseModel):
    """Base of every event payload in ``coop_shared.contracts``.

    ``event_type`` is the routing key, ``<service>.<entity>.<what happened>.v<N>``.
    Consumers ignore unknown fields so producers may add optional ones.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[str]


P = TypeVar("P", bound=EventPayload)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: wall_time())
    subject: str | None = None
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    # Position of the event in its aggregate (``subject``), from 1, and the
    # types of the aggregate's preceding events (oldest first, the last few):
    # a consumer applies event n only after the latest predecessor of a type
    # it receives (see ``coop_shared.messaging.sequencing``).
    sequence: int | None = None
    priortypes: tuple[str, ...] = ()

    def payload(self, model: builtins.type[P]) -> P:
        """The data parsed as ``model`` (raises pydantic.ValidationError)."""
        return model.model_validate(self.data)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


def new_event(payload: EventPayload, *, source: str, subject: str | None = None,
              event_id: str | None = None) -> Envelope:
    """Wrap a payload, taking correlation and causation ids from the current context."""
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        type=payload.event_type,
        source=source,
        subject=subject,
        data=payload.model_dump(mode="json"),
        correlationid=current_correlation_id(),
        causationid=current_causation_id(),
    )
