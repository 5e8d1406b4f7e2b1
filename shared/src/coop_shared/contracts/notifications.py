"""Events produced by the notifications service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload


class SendingStatusChanged(EventPayload):
    """What became of an e-mail a service asked for (``sending_id``): sent,
    failed (an attempt failed, another follows) or parked (no more attempts)."""

    event_type: ClassVar[str] = "notifications.sending.status_changed.v1"

    sending_id: str
    status: Literal["sent", "failed", "parked"]
    attempts: int = Field(ge=0, description="Attempts made so far: a later event has more, or a final status.")
    error: str | None = None
    at: datetime


CONTRACTS: tuple[Contract, ...] = (
    Contract(SendingStatusChanged, "notifications", ("invoicing",)),
)
