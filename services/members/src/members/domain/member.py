"""The member: a person's account, profile, role, advisor and arts attestation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.identity import Address, Language


class Role(StrEnum):
    MEMBER = "member"
    ADVISOR = "advisor"
    ADMIN = "admin"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    ERASED = "erased"  # personal data removed on request (GDPR art. 17)


class AttestationType(StrEnum):
    ORDINARY = "ordinary"
    PLUS = "plus"
    STARTER = "starter"


# Longest validity the Commission du travail des arts grants per attestation type.
_MAX_YEARS = {AttestationType.ORDINARY: 5, AttestationType.PLUS: 5, AttestationType.STARTER: 3}


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class ArtsAttestation:
    """Allows "article 1bis" contracts while valid (payroll reads it from events)."""

    type: AttestationType
    valid_from: date
    valid_to: date

    @classmethod
    def create(cls, type_: AttestationType, valid_from: date, valid_to: date) -> ArtsAttestation:
        if valid_to < valid_from:
            raise InvalidInput("invalid_attestation", "valid_to is before valid_from.", "valid_to")
        if valid_to > add_years(valid_from, _MAX_YEARS[type_]):
            raise InvalidInput("invalid_attestation",
                               f"A {type_.value} attestation is valid {_MAX_YEARS[type_]} years at most.", "valid_to")
        return cls(type_, valid_from, valid_to)

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class ProfileChanges:
    """What a member may change about themselves; role and status are not here on purpose."""

    full_name: str | None = None
    language: Language | None = None
    address: Address | None = None
    iban: str | None = None
    niss: str | None = None


@dataclass
class Member:
    id: str
    email: str | None
    full_name: str
    language: Language
    role: Role
    registered_at: datetime
    address: Address | None = None
    iban: str | None = None
    niss: str | None = None
    status: MemberStatus = MemberStatus.ACTIVE
    advisor_id: str | None = None
    attestation: ArtsAttestation | None = None
    usage_started_on: date | None = None
    erased_at: datetime | None = None
    version: int = 0
    # Access tokens carry it; bumping it revokes every access token issued before.
    token_version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE

    def require_active(self) -> None:
        if not self.is_active:
            raise NotFound("member_not_found", "No such member.")

    def update_profile(self, changes: ProfileChanges) -> list[str]:
        """Apply the changes; returns the names of the fields that really changed."""
        self.require_active()
        changed = [name for name in ("full_name", "language", "address", "iban", "niss")
                   if getattr(changes, name) is not None and getattr(changes, name) != getattr(self, name)]
        for name in changed:
            setattr(self, name, getattr(changes, name))
        return changed

    def change_role(self, role: Role, *, by: str) -> Role:
        self.require_active()
        if by == self.id:
            # An admin demoting themselves could leave the cooperative without one.
            raise Conflict("cannot_change_own_role", "Nobody changes their own role; ask another admin.", "role")
        previous = self.role
        self.role = role
        return previous

    def revoke_access_tokens(self) -> int:
        """Every access token issued so far stops working (services learn the new version by event)."""
        self.token_version += 1
        return self.token_version

    def assign_advisor(self, advisor: Member | None) -> str | None:
        self.require_active()
        if advisor is not None:
            if advisor.id == self.id:
                raise InvalidInput("invalid_advisor", "A member cannot be their own advisor.", "advisor_id")
            if not advisor.is_active or advisor.role is not Role.ADVISOR:
                raise InvalidInput("invalid_advisor", "The advisor must be an active account with the advisor role.",
                                   "advisor_id")
        previous = self.advisor_id
        self.advisor_id = advisor.id if advisor else None
        return previous

    def record_attestation(self, attestation: ArtsAttestation) -> None:
        self.require_active()
        self.attestation = attestation

    def start_usage(self, today: date) -> bool:
        """The first activity starts the first year of use (see ``shares.required_shares``)."""
        if self.usage_started_on is None:
            self.usage_started_on = today
            return True
        return False

    def erase(self, now: datetime) -> None:
        """Remove personal data. The id stays: records kept for legal retention
        (share register, invoices, payslips) point to it, restricted."""
        self.require_active()
        self.email = None
        self.full_name = ""
        self.address = None
        self.iban = None
        self.niss = None
        self.attestation = None
        self.advisor_id = None
        self.status = MemberStatus.ERASED
        self.erased_at = now


def can_see_member(viewer_id: str, viewer_role: Role, target: Member) -> bool:
    """A member sees themselves, an advisor the members assigned to them, an admin everyone."""
    if not target.is_active:
        return False
    if viewer_id == target.id or viewer_role is Role.ADMIN:
        return True
    return viewer_role is Role.ADVISOR and target.advisor_id == viewer_id
