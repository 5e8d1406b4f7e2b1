"""The simulator over HTTP, and the members read model under out-of-order and repeated events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from coop_shared.contracts.members import ActivityClosed, ActivityUpdated, MemberErased, MemberUpdated
from payroll.adapters.directory_repository import DirectoryRepository
from payroll.domain.access import ActivityStatus

from .conftest import START, Payroll

D = Decimal


async def test_simulator_goes_both_ways_and_shows_every_step(payroll: Payroll) -> None:
    headers = payroll.auth("m1")
    from_budget = await payroll.client.post("/api/v1/payroll/simulate", headers=headers,
                                            json={"budget": "1350.00", "worked_days": 5, "work_date": "2026-05-04"})
    assert from_budget.status_code == 200, from_budget.text
    steps = from_budget.json()
    assert steps["direction"] == "from_budget" and steps["gross"] == "1000.00" and steps["unused_budget"] == "0.00"
    assert steps["minimum_gross"] == "450.00" and steps["tax_slices"][0]["rate"] == "0"
    codes = [line["code"] for line in steps["lines"]]
    assert codes[0] == "employment_budget" and codes[-1] == "net"
    back = await payroll.client.post("/api/v1/payroll/simulate", headers=headers,
                                     json={"gross": steps["gross"], "worked_days": 5, "work_date": "2026-05-04"})
    assert back.json()["employment_budget"] == "1350.00" and back.json()["net"] == steps["net"]

    for bad in ('{"gross": "1.00", "budget": "2.00"}', "{}", '{"gross": "10.001"}', '{"gross": "-5"}',
                '{"gross": 1e400}', '{"gross": "NaN"}', '{"budget": 0.1}', "not json"):
        response = await payroll.client.post("/api/v1/payroll/simulate", content=bad,
                                             headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] in ("validation_error", "below_minimum_gross"), bad
    low = await payroll.client.post("/api/v1/payroll/simulate", headers=headers, json={"gross": "50.00"})
    assert low.json()["error"]["code"] == "below_minimum_gross"
    early = await payroll.client.post("/api/v1/payroll/simulate", headers=headers,
                                      json={"gross": "500.00", "work_date": "2020-01-01"})
    assert early.status_code == 422 and early.json()["error"]["code"] == "no_payroll_rules"
    assert (await payroll.client.post("/api/v1/payroll/simulate", json={"gross": "500.00"})).status_code == 401


async def test_read_model_ignores_stale_events_and_erasure_is_final(payroll: Payroll) -> None:
    directory = DirectoryRepository(payroll.runtime.db)
    later, earlier = datetime(2026, 4, 2, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    await payroll.deliver(MemberUpdated(member_id="m9", email="m9@example.be", full_name="New Name", language="fr",
                                        iban="BE62510007547061"), at=later)
    await payroll.deliver(MemberUpdated(member_id="m9", email="m9@example.be", full_name="Old Name", language="fr",
                                        iban=None), at=earlier)  # arrives late: ignored
    member = await directory.member("m9")
    assert member is not None and member.full_name == "New Name" and member.iban == "BE62510007547061"

    await payroll.activity("a9", "m9", at=START)
    closed = ActivityClosed(activity_id="a9", name="A", sector="digital", owner_id="m9", kind="individual",
                            status="closed", closed_at=later)
    await payroll.deliver(closed, at=later)
    await payroll.deliver(ActivityUpdated(activity_id="a9", name="A", sector="digital", owner_id="m9",
                                          co_manager_ids=["m10"], kind="individual", status="open"), at=earlier)
    activity = await directory.activity("a9")
    assert activity is not None and activity.status is ActivityStatus.CLOSED and activity.co_manager_ids == ()
    response = await payroll.request_salary("m9", "a9", [date(2026, 5, 4)], gross="200.00")
    assert response.status_code == 409 and response.json()["error"]["code"] == "activity_not_open"

    await payroll.deliver(MemberErased(member_id="m9", erased_at=later), at=later)
    await payroll.deliver(MemberUpdated(member_id="m9", email="x@example.be", full_name="Back Again", language="fr",
                                        iban="BE62510007547061"), at=datetime(2026, 4, 3, tzinfo=UTC))
    erased = await directory.member("m9")
    assert erased is not None and erased.erased and erased.full_name == "" and erased.iban is None
