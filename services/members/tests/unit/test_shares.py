"""The share register: holdings and good standing derive from entries only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members.domain.errors import Conflict, InvalidInput, NotFound
from members.domain.shares import Category, EntryKind, ShareAccount, good_standing_until, required_shares

NOW = datetime(2026, 3, 1, 10, tzinfo=UTC)
PRICE = Decimal("30.00")


def paid_account(member_id: str = "m1", shares: int = 1, category: Category = Category.A) -> ShareAccount:
    account = ShareAccount(member_id)
    entry = account.subscribe(category=category, quantity=shares, unit_price=PRICE, now=NOW, by=member_id)
    account.confirm_payment(entry.id, now=NOW, by="admin")
    return account


def test_a_subscription_counts_only_once_paid() -> None:
    account = ShareAccount("m1")
    entry = account.subscribe(category=Category.A, quantity=2, unit_price=PRICE, now=NOW, by="m1")
    assert entry.amount == Decimal("60.00") and entry.seq == 1
    assert account.holding().unpaid == 2 and account.paid_shares() == 0
    assert not account.in_good_standing(None, NOW.date())
    payment = account.confirm_payment(entry.id, now=NOW, by="admin")
    assert payment.kind is EntryKind.PAYMENT and payment.settles == entry.id and payment.seq == 2
    assert account.holding().unpaid == 0 and account.paid_shares() == 2
    assert account.in_good_standing(None, NOW.date())


def test_a_subscription_is_paid_once() -> None:
    account = ShareAccount("m1")
    entry = account.subscribe(category=Category.A, quantity=1, unit_price=PRICE, now=NOW, by="m1")
    account.confirm_payment(entry.id, now=NOW, by="admin")
    with pytest.raises(Conflict) as error:
        account.confirm_payment(entry.id, now=NOW, by="admin")
    assert error.value.code == "share_already_paid"
    with pytest.raises(NotFound):
        account.confirm_payment("unknown", now=NOW, by="admin")


def test_category_b_shares_do_not_make_good_standing() -> None:
    account = paid_account(category=Category.B, shares=5)
    assert account.holding(Category.B).paid == 5
    assert not account.in_good_standing(None, NOW.date())


def test_one_paid_share_per_started_year_of_use() -> None:
    start = date(2024, 3, 15)
    assert required_shares(None, date(2030, 1, 1)) == 1
    assert required_shares(start, date(2024, 3, 15)) == 1
    assert required_shares(start, date(2025, 3, 14)) == 1
    assert required_shares(start, date(2025, 3, 15)) == 2
    assert required_shares(start, date(2026, 12, 31)) == 3
    account = paid_account(shares=2)
    assert account.in_good_standing(start, date(2025, 6, 1))
    assert not account.in_good_standing(start, date(2026, 6, 1))  # a third year needs a third share


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
       a=st.integers(0, 20 * 366), b=st.integers(0, 20 * 366))
def test_required_shares_never_decrease_with_time(start: date, a: int, b: int) -> None:
    early, late = sorted((a, b))
    first = required_shares(start, date.fromordinal(start.toordinal() + early))
    second = required_shares(start, date.fromordinal(start.toordinal() + late))
    assert 1 <= first <= second <= first + (late - early) // 365 + 1


@given(paid=st.integers(1, 40), extra=st.integers(0, 5), years=st.integers(0, 30))
def test_buying_more_shares_never_loses_good_standing(paid: int, extra: int, years: int) -> None:
    start = date(2020, 1, 1)
    today = date(2020 + years, 6, 1)
    fewer, more = paid_account(shares=paid), paid_account(shares=paid + extra)
    assert fewer.in_good_standing(start, today) <= more.in_good_standing(start, today)
    assert more.in_good_standing(start, today) == (paid + extra >= years + 1)


def test_transfer_moves_paid_shares_only() -> None:
    giver, receiver = paid_account("giver", 3), ShareAccount("receiver")
    out, into = giver.transfer_to(receiver, category=Category.A, quantity=2, unit_price=PRICE, now=NOW, by="admin")
    assert (out.kind, into.kind) == (EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN)
    assert out.transfer_id == into.transfer_id and out.counterparty_id == "receiver"
    assert giver.paid_shares() == 1 and receiver.paid_shares() == 2
    with pytest.raises(Conflict):
        giver.transfer_to(receiver, category=Category.A, quantity=2, unit_price=PRICE, now=NOW, by="admin")
    with pytest.raises(InvalidInput):
        giver.transfer_to(giver, category=Category.A, quantity=1, unit_price=PRICE, now=NOW, by="admin")


def test_resignation_refund_is_due_within_three_years_and_refunded_once() -> None:
    account = paid_account(shares=2)
    entry = account.resign(category=Category.A, quantity=2, unit_price=PRICE, today=date(2024, 2, 29), now=NOW,
                           by="m1")
    assert entry.refund_due_on == date(2027, 2, 28) and entry.amount == Decimal("60.00")
    assert account.paid_shares() == 0 and account.holding().refund_pending == 2
    with pytest.raises(Conflict):
        account.resign(category=Category.A, quantity=1, unit_price=PRICE, today=date(2024, 3, 1), now=NOW, by="m1")
    account.record_refund(entry.id, now=NOW, by="admin")
    assert account.holding().refund_pending == 0
    with pytest.raises(Conflict):
        account.record_refund(entry.id, now=NOW, by="admin")
    with pytest.raises(InvalidInput):
        paid_account().resign(category=Category.A, quantity=1, unit_price=PRICE, today=date(2024, 1, 1), now=NOW,
                              by="m1", refund_delay_years=4)


@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), delay=st.integers(0, 3))
def test_refund_due_date_is_never_later_than_three_years(today: date, delay: int) -> None:
    account = paid_account()
    entry = account.resign(category=Category.A, quantity=1, unit_price=PRICE, today=today, now=NOW, by="m1",
                           refund_delay_years=delay)
    assert entry.refund_due_on is not None
    assert 0 <= (entry.refund_due_on - today).days <= 3 * 366
    assert entry.refund_due_on.year == today.year + delay


@given(moves=st.lists(st.tuples(st.sampled_from(["subscribe", "pay", "resign"]), st.integers(1, 5)), max_size=30))
def test_register_positions_are_consecutive_and_paid_never_negative(moves: list[tuple[str, int]]) -> None:
    account = ShareAccount("m1")
    for move, quantity in moves:
        try:
            if move == "subscribe":
                account.subscribe(category=Category.A, quantity=quantity, unit_price=PRICE, now=NOW, by="m1")
            elif move == "pay":
                unpaid = [e for e in account.entries if e.kind is EntryKind.SUBSCRIPTION
                          and not any(p.settles == e.id for p in account.entries)]
                if unpaid:
                    account.confirm_payment(unpaid[0].id, now=NOW, by="admin")
            else:
                account.resign(category=Category.A, quantity=quantity, unit_price=PRICE, today=NOW.date(), now=NOW,
                               by="m1")
        except Conflict:
            pass
        assert account.paid_shares() >= 0
    assert [e.seq for e in account.entries] == list(range(1, len(account.entries) + 1))
    amounts = [e.amount for e in account.entries]
    assert all(isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in amounts)


def test_quantity_bounds() -> None:
    for quantity in (0, -1, 1001):
        with pytest.raises(InvalidInput) as error:
            ShareAccount("m1").subscribe(category=Category.A, quantity=quantity, unit_price=PRICE, now=NOW, by="m1")
        assert error.value.field == "quantity"


@given(started=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), paid=st.integers(1, 40),
       later=st.integers(0, 50 * 366))
def test_the_last_day_of_good_standing_is_where_the_shares_stop_covering(started: date, paid: int,
                                                                          later: int) -> None:
    """Consumers compare their day with good_standing_until: it must agree with counting the years of use."""
    until = good_standing_until(started, paid)
    assert until is not None
    day = started + timedelta(days=later)
    assert (required_shares(started, day) <= paid) == (day <= until)


def test_no_last_day_before_use_starts_or_without_a_paid_share() -> None:
    assert good_standing_until(None, 3) is None
    assert good_standing_until(date(2026, 3, 1), 0) is None
    assert good_standing_until(date(2024, 2, 29), 1) == date(2025, 2, 28)
