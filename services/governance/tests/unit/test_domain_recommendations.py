from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.domain.errors import DomainError, ErrorCode
from governance.domain.recommendations import (
    FINAL_STATUSES,
    RECOMMENDATION_TRANSITIONS,
    Recommendation,
    RecommendationStatus,
    can_transition,
)

S = RecommendationStatus
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

ALLOWED = {
    (S.SUBMITTED, S.IN_PROGRESS),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.POSTPONED),
    (S.IN_PROGRESS, S.DONE),
    (S.IN_PROGRESS, S.NOT_DONE),
    (S.IN_PROGRESS, S.POSTPONED),
    (S.POSTPONED, S.IN_PROGRESS),
    (S.POSTPONED, S.REJECTED),
    (S.POSTPONED, S.NOT_DONE),
}


def rec() -> Recommendation:
    return Recommendation("rec-1", "m-1", "Publish the budget in Dutch too", T0, assembly_id="as-1")


def test_transition_table_is_exactly_the_documented_one() -> None:
    table = {(a, b) for a, nxt in RECOMMENDATION_TRANSITIONS.items() for b in nxt}
    assert table == ALLOWED
    assert set(RECOMMENDATION_TRANSITIONS) == set(S)
    assert {S.DONE, S.NOT_DONE, S.REJECTED} == FINAL_STATUSES


@pytest.mark.parametrize("src", list(S))
@pytest.mark.parametrize("dst", list(S))
def test_can_transition_matrix(src: S, dst: S) -> None:
    assert can_transition(src, dst) is ((src, dst) in ALLOWED)


def test_new_recommendation_is_submitted() -> None:
    assert rec().status is S.SUBMITTED


def test_full_journey_records_history_and_events() -> None:
    r = rec()
    assert not r.is_final
    r.transition(S.POSTPONED, T0 + timedelta(days=1), "next assembly")
    r.transition(S.IN_PROGRESS, T0 + timedelta(days=30))
    r.transition(S.DONE, T0 + timedelta(days=60))
    assert r.status is S.DONE and r.is_final
    assert [(h.from_status, h.to_status) for h in r.history] == [
        (S.SUBMITTED, S.POSTPONED),
        (S.POSTPONED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.DONE),
    ]
    assert r.history[-1].at == T0 + timedelta(days=60)
    with pytest.raises(DomainError) as err:
        r.transition(S.IN_PROGRESS, T0 + timedelta(days=61))
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    assert r.status is S.DONE and len(r.history) == 3


def test_rejection_needs_a_reason() -> None:
    r = rec()
    with pytest.raises(DomainError) as err:
        r.transition(S.REJECTED, T0 + timedelta(days=1))
    assert err.value.field == "note"
    r.transition(S.REJECTED, T0 + timedelta(days=1), "outside the cooperative's purpose")
    assert r.is_final


def test_not_done_needs_a_reason() -> None:
    r = rec()
    r.transition(S.IN_PROGRESS, T0 + timedelta(days=1))
    with pytest.raises(DomainError):
        r.transition(S.NOT_DONE, T0 + timedelta(days=2), "  ")
    r.transition(S.NOT_DONE, T0 + timedelta(days=2), "no budget")
    assert r.is_final


def test_changes_are_in_time_order_and_status_must_be_known() -> None:
    r = rec()
    with pytest.raises(DomainError):
        r.transition(S.IN_PROGRESS, T0 - timedelta(seconds=1))
    with pytest.raises(DomainError) as err:
        r.transition("archived", T0)  # type: ignore[arg-type]
    assert err.value.field == "status"


def test_recommendation_validation() -> None:
    with pytest.raises(DomainError):
        Recommendation("r", "m", "  ", T0)
    with pytest.raises(DomainError):
        Recommendation("r", "m", "text", datetime(2026, 1, 1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_random_walks_never_leave_a_final_status(steps: list[S]) -> None:
    r = rec()
    at = T0
    for step in steps:
        at += timedelta(days=1)
        before = r.status
        try:
            r.transition(step, at, "reason")
        except DomainError:
            assert not can_transition(before, step)
            assert r.status is before
            continue
        assert before not in FINAL_STATUSES
    assert all(a.at <= b.at and a.to_status == b.from_status
               for a, b in zip(r.history, r.history[1:], strict=False))
