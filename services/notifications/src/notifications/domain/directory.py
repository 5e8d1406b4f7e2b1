"""How events feed the directory (the copy of people data this service needs
to reach them: address, language, name, advisor, who manages an activity).

Events arrive out of order and more than once, and each kind of event owns a
group of fields: a change only overwrites its group when its event is newer
than the one that last wrote that group. An erasure (GDPR) removes the
person's data here and everywhere else in this service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from notifications.domain.languages import normalise_language


@dataclass(frozen=True)
class DirectoryChange:
    collection: Literal["member", "activity"]
    id: str
    group: str  # the fields' owner: "contact", "role", "advisor", "managers"
    fields: dict[str, Any]


@dataclass(frozen=True)
class Erasure:
    member_id: str


Change = DirectoryChange | Erasure


def _contact(data: Mapping[str, Any]) -> list[Change]:
    return [DirectoryChange("member", str(data["member_id"]), "contact", {
        "email": str(data["email"]), "full_name": str(data.get("full_name", "")),
        "language": normalise_language(str(data.get("language", ""))), "erased": False,
    })]


def _registered(data: Mapping[str, Any]) -> list[Change]:
    role = DirectoryChange("member", str(data["member_id"]), "role", {"role": str(data.get("role", "member"))})
    return [*_contact(data), role]


def _role(data: Mapping[str, Any]) -> list[Change]:
    return [DirectoryChange("member", str(data["member_id"]), "role", {"role": str(data["role"])})]


def _advisor(data: Mapping[str, Any]) -> list[Change]:
    advisor = data.get("advisor_id")
    return [DirectoryChange("member", str(data["member_id"]), "advisor",
                            {"advisor_id": str(advisor) if advisor else None})]


def _erased(data: Mapping[str, Any]) -> list[Change]:
    return [Erasure(str(data["member_id"]))]


def _activity(data: Mapping[str, Any]) -> list[Change]:
    # The owner and the co-managers run the activity together: they all hear of it.
    managers = [str(data["owner_id"]), *(str(m) for m in data.get("co_manager_ids", []))]
    return [DirectoryChange("activity", str(data["activity_id"]), "managers", {
        "manager_ids": list(dict.fromkeys(managers)), "name": str(data.get("name", "")),
        "status": str(data.get("status", "")),
    })]


PROJECTIONS: dict[str, Callable[[Mapping[str, Any]], list[Change]]] = {
    "members.member.registered.v1": _registered,
    "members.member.updated.v1": _contact,
    "members.member.role_changed.v1": _role,
    "members.member.advisor_assigned.v1": _advisor,
    "members.member.erased.v1": _erased,
    "members.activity.opened.v1": _activity,
    "members.activity.updated.v1": _activity,
    "members.activity.closed.v1": _activity,
}


def directory_changes(event_type: str, data: Mapping[str, Any]) -> list[Change]:
    projection = PROJECTIONS.get(event_type)
    return [] if projection is None else projection(data)
