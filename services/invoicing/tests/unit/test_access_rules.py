"""Good standing and who manages or supports an activity."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.domain.access import ActivityRecord, MemberRecord, required_shares, supported_by


@pytest.mark.parametrize(("started", "today", "needed"), [
    (None, date(2026, 5, 1), 1),
    (date(2026, 5, 1), date(2026, 5, 1), 1),
    (date(2025, 5, 1), date(2026, 4, 30), 1),
    (date(2025, 5, 1), date(2026, 5, 1), 2),
    (date(2020, 2, 29), date(2026, 3, 1), 7),
])
def test_one_share_per_started_year_of_use(started: date | None, today: date, needed: int) -> None:
    assert required_shares(started, today) == needed


def test_good_standing_moves_with_the_calendar_and_erasure() -> None:
    member = MemberRecord("m1", shares_paid=1, usage_started_on=date(2025, 3, 1))
    assert member.in_good_standing(date(2026, 2, 28))
    assert not member.in_good_standing(date(2026, 3, 1))
    assert not MemberRecord("m2", shares_paid=0).in_good_standing(date(2026, 1, 1))
    assert not MemberRecord("m3", shares_paid=5, erased=True).in_good_standing(date(2026, 1, 1))


def test_managers_and_advisors() -> None:
    activity = ActivityRecord("a1", "Studio", owner_id="m1", co_manager_ids=("m2",), status="suspended")
    assert activity.is_managed_by("m2") and not activity.is_managed_by("m3") and not activity.is_open
    members = [MemberRecord("m1", advisor_id="adv-1"), MemberRecord("m2", advisor_id="adv-2"),
               MemberRecord("m3", advisor_id="adv-3")]
    assert supported_by(activity, "adv-2", members)
    assert not supported_by(activity, "adv-3", members)  # m3 is not one of its managers
