"""Payroll's views of members' events read only what members publishes, under the types they are used for."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from coop_shared.contracts.views import view_problems
from payroll.service_layer import directory_events as d

VIEWS: dict[type[BaseModel], tuple[str, ...]] = {
    d.MemberProfile: (d.MEMBER_REGISTERED, d.MEMBER_UPDATED),
    d.MemberRef: (d.MEMBER_ERASED,),
    d.AdvisorChange: (d.ADVISOR_ASSIGNED,),
    d.Attestation: (d.ATTESTATION_RECORDED,),
    d.ActivityState: (d.ACTIVITY_OPENED, d.ACTIVITY_UPDATED, d.ACTIVITY_CLOSED),
}


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_each_view_reads_only_what_members_publishes(view: type[BaseModel]) -> None:
    assert view_problems(view, VIEWS[view], consumer="payroll") == []


def test_the_checker_names_what_a_view_misreads() -> None:
    class Wrong(d.MemberRef):
        nickname: str  # never produced
        shoe_size: int = 0  # never produced either: it would always read 0

    assert view_problems(Wrong, [d.MEMBER_ERASED, "members.share.subscribed.v1", "members.nothing.v1"],
                         consumer="payroll") == [
        "members.member.erased.v1: Wrong.nickname is required but not produced",
        "members.share.subscribed.v1: the contract does not name payroll as a consumer",
        "members.share.subscribed.v1: Wrong.nickname is required but not produced",
        "members.nothing.v1: no such contract",
        "members.member.erased.v1, members.share.subscribed.v1, members.nothing.v1: Wrong.shoe_size is never "
        "produced (always its default)",
    ]
