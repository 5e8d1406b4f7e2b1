"""Events produced by the members service."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload

Language = Literal["fr", "nl", "en"]


class MemberRegistered(EventPayload):
    event_type: ClassVar[str] = "members.member.registered.v1"

    member_id: str = Field(description="Stable id of the member.")
    email: str
    full_name: str
    language: Language = "fr"


CONTRACTS: tuple[Contract, ...] = (
    Contract(MemberRegistered, "members", ("notifications",)),
)
