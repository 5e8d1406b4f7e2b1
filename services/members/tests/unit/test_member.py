"""Members: roles, advisors, visibility, attestations, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.identity import Address, Language
from members.domain.member import (
    ArtsAttestation,
    AttestationType,
    Member,
    MemberStatus,
    ProfileChanges,
    Role,
    can_see_member,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def member(member_id: str = "m1", role: Role = Role.MEMBER, advisor: str | None = None) -> Member:
    return Member(id=member_id, email=f"{member_id}@example.be", full_name="Ada", language=Language.FR, role=role,
                  registered_at=NOW, address=Address("Rue Haute 1", "1000", "Bruxelles"),
                  iban="BE71096123456769", niss="85073003328", advisor_id=advisor)


def test_visibility_self_admin_and_own_advisor_only() -> None:
    target = member("m1", advisor="adv")
    assert can_see_member("m1", Role.MEMBER, target)
    assert can_see_member("boss", Role.ADMIN, target)
    assert can_see_member("adv", Role.ADVISOR, target)
    assert not can_see_member("other-adv", Role.ADVISOR, target)
    assert not can_see_member("m2", Role.MEMBER, target)
    assert not can_see_member("adv", Role.MEMBER, target)  # demoted advisors lose the view
    target.erase(NOW)
    assert not can_see_member("m1", Role.MEMBER, target) and not can_see_member("boss", Role.ADMIN, target)


def test_roles_are_changed_by_someone_else_only() -> None:
    subject = member()
    with pytest.raises(Conflict):
        subject.change_role(Role.ADMIN, by="m1")
    assert subject.change_role(Role.ADVISOR, by="boss") is Role.MEMBER
    assert subject.change_role(Role.ADVISOR, by="boss") is Role.ADVISOR  # unchanged: the caller emits nothing


def test_advisors_must_have_the_advisor_role() -> None:
    subject = member()
    with pytest.raises(InvalidInput):
        subject.assign_advisor(member("m2"))
    with pytest.raises(InvalidInput):
        subject.assign_advisor(subject)
    assert subject.assign_advisor(member("adv", Role.ADVISOR)) is None
    assert subject.assign_advisor(None) == "adv" and subject.advisor_id is None


def test_profile_update_reports_only_real_changes() -> None:
    subject = member()
    assert subject.update_profile(ProfileChanges(full_name="Ada", language=Language.NL)) == ["language"]
    assert subject.language is Language.NL and subject.role is Role.MEMBER


def test_attestation_validity_rules() -> None:
    ordinary = ArtsAttestation.create(AttestationType.ORDINARY, date(2026, 1, 1), date(2030, 12, 31))
    assert ordinary.is_valid_on(date(2028, 5, 1)) and not ordinary.is_valid_on(date(2031, 1, 1))
    with pytest.raises(InvalidInput) as backwards:
        ArtsAttestation.create(AttestationType.PLUS, date(2026, 1, 1), date(2025, 1, 1))
    assert backwards.value.field == "valid_to"
    with pytest.raises(InvalidInput):
        ArtsAttestation.create(AttestationType.STARTER, date(2026, 1, 1), date(2029, 1, 2))
    ArtsAttestation.create(AttestationType.STARTER, date(2026, 1, 1), date(2029, 1, 1))


def test_erasure_removes_personal_data_and_keeps_the_id() -> None:
    subject = member(advisor="adv")
    subject.attestation = ArtsAttestation.create(AttestationType.PLUS, date(2026, 1, 1), date(2027, 1, 1))
    subject.erase(NOW)
    assert subject.id == "m1" and subject.status is MemberStatus.ERASED and subject.erased_at == NOW
    assert (subject.email, subject.full_name, subject.address, subject.iban, subject.niss) == (None, "", None, None,
                                                                                               None)
    assert subject.attestation is None and subject.advisor_id is None
    with pytest.raises(NotFound):
        subject.erase(NOW)
    with pytest.raises(NotFound):
        subject.update_profile(ProfileChanges(full_name="Back"))
