"""Who receives a notification: rules that read the event payload, the
references they produce, and the resolved recipient."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from notifications.domain.languages import normalise_language


@dataclass(frozen=True)
class TheMember:
    """The member the event is about."""

    field: str = "member_id"


@dataclass(frozen=True)
class ListedMembers:
    """Every member whose id is in a list field (an assembly's electors)."""

    field: str = "member_ids"


@dataclass(frozen=True)
class ActivityManagers:
    """Every co-manager of the activity the event is about."""

    field: str = "activity_id"


@dataclass(frozen=True)
class AdvisorOf:
    """The advisor who supports the member the event is about."""

    field: str = "member_id"


@dataclass(frozen=True)
class ClientAddress:
    """A client (outside the cooperative) for client-facing documents: e-mail only."""

    email_field: str = "client_email"
    name_field: str = "client_name"
    language_field: str = "client_language"


RecipientRule = TheMember | ListedMembers | ActivityManagers | AdvisorOf | ClientAddress


@dataclass(frozen=True)
class MemberRef:
    member_id: str


@dataclass(frozen=True)
class ActivityRef:
    activity_id: str


@dataclass(frozen=True)
class AdvisorRef:
    member_id: str


@dataclass(frozen=True)
class AddressRef:
    email: str
    name: str
    language: str


Reference = MemberRef | ActivityRef | AdvisorRef | AddressRef


@dataclass(frozen=True)
class Recipient:
    """Someone to notify. ``key`` identifies them across deliveries: the member
    id, or ``email:<address>`` for people outside the cooperative (no inbox)."""

    key: str
    member_id: str | None
    email: str | None
    name: str
    language: str

    @classmethod
    def member(cls, member_id: str, email: str | None, name: str, language: str) -> Recipient:
        return cls(member_id, member_id, email, name, normalise_language(language))

    @classmethod
    def external(cls, email: str, name: str, language: str) -> Recipient:
        return cls(f"email:{email.strip().lower()}", None, email.strip(), name, normalise_language(language))


def _text(payload: Mapping[str, Any], field: str) -> str | None:
    value = payload.get(field)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def references(rules: Iterable[RecipientRule], payload: Mapping[str, Any]) -> list[Reference]:
    """What the rules point at in this payload; a missing field yields nothing."""
    refs: list[Reference] = []
    for rule in rules:
        if isinstance(rule, ClientAddress):
            email = _text(payload, rule.email_field)
            if email is not None:
                refs.append(AddressRef(email, _text(payload, rule.name_field) or "",
                                       _text(payload, rule.language_field) or ""))
            continue
        if isinstance(rule, ListedMembers):
            listed = payload.get(rule.field)
            if isinstance(listed, list):
                refs.extend(MemberRef(v.strip()) for v in listed if isinstance(v, str) and v.strip())
            continue
        value = _text(payload, rule.field)
        if value is None:
            continue
        if isinstance(rule, TheMember):
            refs.append(MemberRef(value))
        elif isinstance(rule, ActivityManagers):
            refs.append(ActivityRef(value))
        else:
            refs.append(AdvisorRef(value))
    return refs


def unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    """One notification per person even when several rules name them
    (a member who is also the activity's co-manager)."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.key, recipient)
    return list(seen.values())
