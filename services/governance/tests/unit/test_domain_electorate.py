from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.domain.electorate import (
    Contract,
    ShareEntry,
    ShareEntryKind,
    fully_paid_shares,
    general_assembly_electorate,
    workers_assembly_electorate,
    workers_lookback,
)
from governance.domain.errors import DomainError, ErrorCode

K = ShareEntryKind
DAY = date(2026, 5, 15)


def entry(member: str, kind: ShareEntryKind, qty: int = 1, on: date = DAY) -> ShareEntry:
    return ShareEntry(member, kind, qty, on)


# -- general assembly ---------------------------------------------------------


def test_paid_share_gives_vote_subscription_alone_does_not() -> None:
    entries = [
        entry("m-paid", K.SUBSCRIBED, on=DAY - timedelta(10)),
        entry("m-paid", K.PAID, on=DAY - timedelta(5)),
        entry("m-subscribed-only", K.SUBSCRIBED, 3, on=DAY - timedelta(10)),
    ]
    assert general_assembly_electorate(entries, DAY) == ("m-paid",)


def test_payment_on_convocation_day_counts_next_day_does_not() -> None:
    assert general_assembly_electorate([entry("a", K.PAID, on=DAY)], DAY) == ("a",)
    assert general_assembly_electorate([entry("a", K.PAID, on=DAY + timedelta(1))], DAY) == ()


def test_refund_and_transfer_out_remove_the_vote_when_no_paid_share_left() -> None:
    entries = [
        entry("a", K.PAID, 2, DAY - timedelta(100)),
        entry("a", K.REFUNDED, 1, DAY - timedelta(50)),
        entry("a", K.TRANSFERRED_OUT, 1, DAY - timedelta(10)),
        entry("b", K.TRANSFERRED_IN, 1, DAY - timedelta(10)),
    ]
    assert general_assembly_electorate(entries, DAY) == ("b",)
    # Before the transfer, "a" still had one share and "b" none.
    assert general_assembly_electorate(entries, DAY - timedelta(11)) == ("a",)


def test_refund_after_convocation_day_does_not_change_snapshot() -> None:
    entries = [entry("a", K.PAID, on=DAY - timedelta(1)), entry("a", K.REFUNDED, on=DAY + timedelta(1))]
    assert general_assembly_electorate(entries, DAY) == ("a",)


def test_one_person_one_vote_whatever_the_number_of_shares() -> None:
    entries = [entry("rich", K.PAID, 500), entry("poor", K.PAID, 1)]
    assert general_assembly_electorate(entries, DAY) == ("poor", "rich")
    assert fully_paid_shares(entries, DAY) == {"rich": 500, "poor": 1}


def test_result_is_sorted_unique_and_immutable() -> None:
    entries = [entry(m, K.PAID) for m in ["z", "a", "m", "a"]]
    result = general_assembly_electorate(entries, DAY)
    assert result == ("a", "m", "z")
    assert isinstance(result, tuple)


def test_negative_holding_is_reported_not_hidden() -> None:
    with pytest.raises(DomainError) as err:
        general_assembly_electorate([entry("a", K.TRANSFERRED_OUT)], DAY)
    assert err.value.code == ErrorCode.INCONSISTENT_SHARE_REGISTER


@pytest.mark.parametrize("qty", [0, -1])
def test_share_entry_quantity_must_be_positive(qty: int) -> None:
    with pytest.raises(DomainError) as err:
        entry("a", K.PAID, qty)
    assert err.value.field == "quantity"


share_entries = st.lists(
    st.builds(
        ShareEntry,
        member_id=st.sampled_from(["a", "b", "c", "d"]),
        kind=st.sampled_from([K.SUBSCRIBED, K.PAID, K.TRANSFERRED_IN]),
        quantity=st.integers(1, 5),
        effective_on=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(share_entries, st.dates(date(2020, 1, 1), date(2030, 1, 1)))
def test_order_of_entries_never_changes_electorate(entries: list[ShareEntry], day: date) -> None:
    # Events reach the read model in any order; only effective dates matter.
    assert general_assembly_electorate(entries, day) == general_assembly_electorate(reversed(entries), day)
    voters = general_assembly_electorate(entries, day)
    assert list(voters) == sorted(set(voters))
    for member in voters:
        assert any(e.member_id == member and e.kind is not K.SUBSCRIBED and e.effective_on <= day for e in entries)


# -- workers' assembly ------------------------------------------------------


def test_lookback_is_the_twelve_months_before_the_convocation_day() -> None:
    assert workers_lookback(DAY) == (date(2025, 5, 15), date(2026, 5, 14))
    # 29 February falls back to 28 February a year earlier.
    assert workers_lookback(date(2028, 2, 29)) == (date(2027, 2, 28), date(2028, 2, 28))


@pytest.mark.parametrize(
    ("start", "end", "included"),
    [
        (date(2025, 5, 15), date(2025, 5, 15), True),  # first day of the window
        (date(2025, 5, 1), date(2025, 5, 14), False),  # ended the day before the window
        (date(2026, 5, 14), date(2026, 5, 20), True),  # last day before convocation
        (date(2026, 5, 15), date(2026, 5, 20), False),  # starts on the convocation day
        (date(2020, 1, 1), None, True),  # open-ended contract still running
        (date(2020, 1, 1), date(2030, 1, 1), True),  # spans the whole window
    ],
)
def test_contract_window_boundaries(start: date, end: date | None, included: bool) -> None:
    contracts = [Contract("w", start, end)]
    assert workers_assembly_electorate(contracts, DAY) == (("w",) if included else ())


def test_explicit_work_days_are_what_counts() -> None:
    c = Contract("w", date(2025, 5, 1), date(2025, 6, 30), work_days=frozenset({date(2025, 5, 2)}))
    assert workers_assembly_electorate([c], DAY) == ()
    c2 = Contract("w", date(2025, 5, 1), date(2025, 6, 30), work_days=frozenset({date(2025, 6, 2)}))
    assert workers_assembly_electorate([c2], DAY) == ("w",)


def test_workers_electorate_is_sorted_and_unique() -> None:
    contracts = [
        Contract("b", date(2026, 1, 1), date(2026, 1, 2)),
        Contract("a", date(2026, 2, 1), date(2026, 2, 2)),
        Contract("b", date(2026, 3, 1), date(2026, 3, 2)),
    ]
    assert workers_assembly_electorate(contracts, DAY) == ("a", "b")


def test_contract_validation() -> None:
    with pytest.raises(DomainError) as err:
        Contract("w", date(2026, 1, 2), date(2026, 1, 1))
    assert err.value.field == "end"
    with pytest.raises(DomainError) as err:
        Contract("w", date(2026, 1, 1), date(2026, 1, 2), work_days=frozenset({date(2026, 1, 3)}))
    assert err.value.field == "work_days"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.dates(date(2024, 1, 1), date(2027, 12, 31)),
            st.integers(0, 60),
        ),
        max_size=10,
    ),
    st.dates(date(2025, 1, 1), date(2027, 1, 1)),
)
def test_workers_electorate_matches_day_by_day_definition(raw: list[tuple[str, date, int]], day: date) -> None:
    contracts = [Contract(p, s, s + timedelta(days=n)) for p, s, n in raw]
    first, last = workers_lookback(day)
    expected = sorted(
        {
            c.person_id
            for c in contracts
            for i in range((c.end - c.start).days + 1)  # type: ignore[operator]
            if first <= c.start + timedelta(days=i) <= last
        }
    )
    assert list(workers_assembly_electorate(contracts, day)) == expected
