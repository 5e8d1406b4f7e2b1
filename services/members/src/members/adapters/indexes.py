"""Every index the service needs, created at start-up."""

from __future__ import annotations

from coop_shared.persistence.mongo import IndexSpec
from members.adapters import activities, members, register, sessions

INDEXES: list[IndexSpec] = [
    *members.INDEXES, *sessions.INDEXES, *register.INDEXES, *activities.INDEXES,
]
