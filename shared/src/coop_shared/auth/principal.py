"""Who is calling: the verified identity every service authorises against."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    ADVISOR = "advisor"
    ADMIN = "admin"
    PARTNER = "partner"  # an API key issued to an accounting tool, a bank, a payroll bureau


@dataclass(frozen=True)
class Principal:
    id: str
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)
    language: str = "fr"
    # The member's token version when the token was issued (see coop_shared.auth.revocation).
    token_version: int = 0
    # A partner key bound to some activities reaches only those; None: not bound.
    activities: frozenset[str] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADVISOR, Role.ADMIN)

    def has_scope(self, scope: str) -> bool:
        return self.role is Role.ADMIN or scope in self.scopes

    def reaches(self, activity_id: str) -> bool:
        """Not bound, or bound to this activity (see ``activities``)."""
        return self.activities is None or activity_id in self.activities
