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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADVISOR, Role.ADMIN)

    def has_scope(self, scope: str) -> bool:
        return self.role is Role.ADMIN or scope in self.scopes
