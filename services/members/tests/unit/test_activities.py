"""Activity lifecycle and management rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from members.domain.activities import Activity, ActivityKind, ActivityStatus, Sector
from members.domain.errors import Conflict, InvalidInput

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def activity(kind: ActivityKind = ActivityKind.INDIVIDUAL, co: tuple[str, ...] = (),
             budget: str | None = None) -> Activity:
    return Activity.open(activity_id="a1", name="  Atelier   céramique ", sector=Sector.ARTS_AND_CULTURE,
                         owner_id="owner", kind=kind, co_manager_ids=co, budget_manager_id=budget, now=NOW)


def test_an_individual_activity_is_managed_by_its_owner() -> None:
    created = activity(co=("helper",))
    assert created.name == "Atelier céramique" and created.status is ActivityStatus.OPEN
    assert created.budget_manager_id == "owner" and created.managers == ("owner", "helper")
    with pytest.raises(InvalidInput):
        activity(budget="helper")


def test_a_collective_activity_names_a_budget_manager_among_its_managers() -> None:
    with pytest.raises(InvalidInput) as missing:
        activity(ActivityKind.COLLECTIVE, co=("b",))
    assert missing.value.field == "budget_manager_id"
    with pytest.raises(InvalidInput):
        activity(ActivityKind.COLLECTIVE, co=("b",), budget="stranger")
    assert activity(ActivityKind.COLLECTIVE, co=("b",), budget="b").budget_manager_id == "b"
    assert activity(ActivityKind.COLLECTIVE, budget="owner").budget_manager_id == "owner"


def test_co_managers_are_distinct_from_the_owner() -> None:
    with pytest.raises(InvalidInput):
        activity(co=("owner",))
    assert activity(co=("b", "b", "c")).co_manager_ids == ("b", "c")


@pytest.mark.parametrize(("path", "allowed"), [
    ((ActivityStatus.SUSPENDED,), True),
    ((ActivityStatus.SUSPENDED, ActivityStatus.OPEN), True),
    ((ActivityStatus.SUSPENDED, ActivityStatus.CLOSED), True),
    ((ActivityStatus.CLOSED,), True),
    ((ActivityStatus.CLOSED, ActivityStatus.OPEN), False),
    ((ActivityStatus.CLOSED, ActivityStatus.SUSPENDED), False),
])
def test_lifecycle(path: tuple[ActivityStatus, ...], allowed: bool) -> None:
    subject = activity()
    if allowed:
        for status in path:
            assert subject.move_to(status, NOW)
        assert subject.status is path[-1]
    else:
        for status in path[:-1]:
            subject.move_to(status, NOW)
        with pytest.raises(Conflict) as error:
            subject.move_to(path[-1], NOW)
        assert error.value.code == "invalid_activity_transition"


def test_a_closed_activity_is_frozen() -> None:
    subject = activity()
    subject.move_to(ActivityStatus.CLOSED, NOW)
    assert subject.closed_at == NOW
    assert subject.move_to(ActivityStatus.CLOSED, NOW) is False  # already there: nothing to do
    for change in (lambda: subject.rename("New"), lambda: subject.change_sector(Sector.EVENTS),
                   lambda: subject.change_management(co_manager_ids=("x",))):
        with pytest.raises(Conflict):
            change()


def test_switching_to_collective_keeps_or_requires_a_budget_manager() -> None:
    subject = activity(co=("b",))
    assert subject.change_management(kind=ActivityKind.COLLECTIVE)  # the owner stays budget manager
    assert subject.budget_manager_id == "owner"
    assert subject.change_management(budget_manager_id="b", budget_manager_given=True)
    assert subject.change_management(kind=ActivityKind.INDIVIDUAL)
    assert subject.budget_manager_id == "owner"
    assert subject.rename("Atelier céramique") is False and subject.rename("Atelier verre") is True
    with pytest.raises(InvalidInput):
        subject.rename("   ")
