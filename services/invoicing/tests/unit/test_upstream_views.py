"""Our views of other services' events stay aligned with their contracts:
every field invoicing reads exists in the producer's payload, under the same
event type, and invoicing is listed among its consumers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel

from coop_shared.contracts import members, payroll
from coop_shared.contracts.views import view_problems
from coop_shared.messaging.envelope import EventPayload
from invoicing.service_layer import upstream as up

VIEWS: dict[str, type[BaseModel]] = {
    up.MEMBER_REGISTERED: up.MemberProfile, up.MEMBER_UPDATED: up.MemberProfile,
    up.MEMBER_ERASED: up.MemberErased, up.MEMBER_ROLE_CHANGED: up.MemberRoleChanged,
    up.ADVISOR_ASSIGNED: up.AdvisorAssigned, up.SHARE_PAID: up.Standing, up.SHARE_RESIGNED: up.Standing,
    up.SHARE_TRANSFERRED: up.ShareTransferred, up.ACTIVITY_OPENED: up.ActivityState,
    up.ACTIVITY_UPDATED: up.ActivityState, up.ACTIVITY_CLOSED: up.ActivityState,
    up.BUDGET_CHANGED: up.BudgetChanged, up.STANDING_CHANGED: up.Standing,
}


@pytest.mark.parametrize("event_type", sorted(VIEWS))
def test_every_field_we_read_is_in_the_producers_contract(event_type: str) -> None:
    view = VIEWS[event_type]
    assert view_problems(view, [t for t, v in VIEWS.items() if v is view], consumer="invoicing") == []


def test_producer_payloads_parse_in_our_views() -> None:
    now = datetime.now(UTC)
    samples: list[EventPayload] = [
        members.SharePaid(member_id="m", shares_paid=2, shares_required=1, in_good_standing=True,
                          usage_started_on=date(2025, 1, 1), good_standing_until=date(2026, 12, 31),
                          entry_id="e", subscription_id="s", category="A",
                          quantity=1, amount=Decimal("30.00"), paid_at=now),
        members.ActivityUpdated(activity_id="a", name="Studio", sector="digital", owner_id="m",
                                co_manager_ids=["m2"], kind="individual", status="suspended"),
        payroll.BudgetChanged(activity_id="a", available_budget=Decimal("12.30"), ledger_sequence=4),
    ]
    standing = up.Standing.model_validate(samples[0].model_dump(mode="json"))
    assert (standing.shares_paid, standing.in_good_standing, standing.good_standing_until) == (
        2, True, date(2026, 12, 31))
    activity = up.ActivityState.model_validate(samples[1].model_dump(mode="json"))
    assert (activity.co_manager_ids, activity.status) == (["m2"], "suspended")
    budget = up.BudgetChanged.model_validate(samples[2].model_dump(mode="json"))
    assert budget.available_budget == Decimal("12.30")
