"""Good standing and who manages or supports an activity."""

from __future__ import annotations

from datetime import date

from invoicing.domain.access import ActivityRecord, MemberRecord, supported_by


def test_good_standing_is_the_members_services_word_until_the_day_it_gave() -> None:
    member = MemberRecord("m1", shares_paid=1, standing=True, good_standing_until=date(2026, 2, 28))
    assert member.in_good_standing(date(2026, 2, 28))
    assert not member.in_good_standing(date(2026, 3, 1))  # the second year of use has started
    assert MemberRecord("m2", shares_paid=1, standing=True).in_good_standing(date(2040, 1, 1))  # no use started yet
    assert not MemberRecord("m3", shares_paid=3, standing=False).in_good_standing(date(2026, 1, 1))
    assert not MemberRecord("m4", shares_paid=5, standing=True, erased=True).in_good_standing(date(2026, 1, 1))
    # A record from before standing was reported: one paid share, as before.
    assert MemberRecord("m5", shares_paid=1).in_good_standing(date(2026, 1, 1))
    assert not MemberRecord("m6", shares_paid=0).in_good_standing(date(2026, 1, 1))


def test_managers_and_advisors() -> None:
    activity = ActivityRecord("a1", "Studio", owner_id="m1", co_manager_ids=("m2",), status="suspended")
    assert activity.is_managed_by("m2") and not activity.is_managed_by("m3") and not activity.is_open
    members = [MemberRecord("m1", advisor_id="adv-1"), MemberRecord("m2", advisor_id="adv-2"),
               MemberRecord("m3", advisor_id="adv-3")]
    assert supported_by(activity, "adv-2", members)
    assert not supported_by(activity, "adv-3", members)  # m3 is not one of its managers
