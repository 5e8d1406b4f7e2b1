"""The real handlers on the real database: balanced books, whatever the order and however many deliveries."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_shared.contracts.invoicing import PaymentReceived
from coop_shared.messaging.envelope import Envelope
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import activity_account, guarantee_advances_account
from payroll.domain.money import ZERO
from payroll.domain.position import ActivityPosition, Totals
from payroll.domain.rules import default_rule_book
from payroll.testing import MemoryBook, Scenario, deliveries, invoicing_scenario

from .conftest import Payroll

FIRST_WORK_DAY = date(2026, 5, 4)


def twice(events: tuple[Envelope, ...], rng: random.Random) -> list[Envelope]:
    """At-least-once delivery: duplicates of the same envelope, and the same fact under a new envelope id."""
    delivered = deliveries(events, rng)
    delivered += [e.model_copy(update={"id": str(uuid.uuid4())}) for e in events if rng.random() < 0.2]
    rng.shuffle(delivered)
    return delivered


async def play(payroll: Payroll, scenario: Scenario, order_seed: int) -> list[bool]:
    """Deliver the scenario to the handlers in one random order; returns which salary requests were accepted."""
    rng = random.Random(order_seed)
    for activity_id, owner in scenario.owners.items():
        await payroll.member(owner)
        await payroll.activity(activity_id, owner)
    for envelope in twice(scenario.issued, rng):
        await payroll.handlers[envelope.type](envelope)
    accepted = []
    for index, phase in enumerate(scenario.phases):
        for envelope in twice(phase.events, rng):
            await payroll.handlers[envelope.type](envelope)
        if phase.salary is not None:
            first = FIRST_WORK_DAY + timedelta(days=7 * index)
            days = [first + timedelta(days=d) for d in range(phase.salary.worked_days)]
            response = await payroll.request_salary(phase.salary.member_id, phase.salary.activity_id, days,
                                                    gross=str(phase.salary.gross))
            assert response.status_code in (201, 422), response.text
            if response.status_code == 422:
                assert response.json()["error"]["code"] == "insufficient_budget"
            accepted.append(response.status_code == 201)
    return accepted


def sum_totals(parts: Iterable[Totals]) -> Totals:
    total = Totals()
    for part in parts:
        total = total.plus(**part.delta_since(Totals()))
    return total


def money_only(position: ActivityPosition, prefix: str) -> ActivityPosition:
    return replace(position, activity_id=position.activity_id.removeprefix(prefix), sequence=0)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), first=st.integers(0, 2**32), second=st.integers(0, 2**32))
async def test_handlers_keep_the_books_balanced_and_order_independent(
    payroll: Payroll, seed: int, first: int, second: int
) -> None:
    run = uuid.uuid4().hex[:8]
    one, two = invoicing_scenario(seed, f"{run}a-"), invoicing_scenario(seed, f"{run}b-")
    accepted_one = await play(payroll, one, first)
    accepted_two = await play(payroll, two, second)
    assert accepted_one == accepted_two

    ledger = LedgerRepository(payroll.runtime.db, payroll.clock)
    assert await ledger.unbalanced_transactions() == []
    balances = await ledger.account_balances()
    assert sum(balances.values(), ZERO) == 0  # over everything ever booked in this database

    # The pure domain, fed the same events in yet another order, agrees to the cent.
    book = MemoryBook(default_rule_book())
    pure = invoicing_scenario(seed, f"{run}a-")
    rng = random.Random(first ^ second)
    book.deliver_all(deliveries(pure.issued, rng))
    for index, phase in enumerate(pure.phases):
        book.deliver_all(deliveries(phase.events, rng))
        if phase.salary is not None:
            book.request_salary(phase.salary, f"c{index}", FIRST_WORK_DAY)
    for activity_id in one.owners:
        stored_one = await ledger.position(activity_id)
        stored_two = await ledger.position(activity_id.replace(f"{run}a-", f"{run}b-"))
        assert money_only(stored_one, f"{run}a-") == money_only(stored_two, f"{run}b-")
        assert money_only(stored_one, f"{run}a-") == money_only(book.position(activity_id), f"{run}a-")
        # The cached position is exactly what the postings say.
        assert stored_one.available == -balances.get(activity_account(activity_id), ZERO)
        assert stored_one.advance == balances.get(guarantee_advances_account(activity_id), ZERO)
        assert stored_one.totals.remaining == stored_one.available
        # The statement split by year adds back up to the statement since the activity opened.
        years = await ledger.years(activity_id)
        assert sum_totals(t for _, t in years) == stored_one.totals
        assert bool(years) == (stored_one.totals != Totals())  # an activity nothing happened to has no year
        assert ZERO <= stored_one.advance <= stored_one.receivables


async def test_concurrent_deliveries_to_one_activity_all_count_once(payroll: Payroll) -> None:
    await payroll.member("mc")
    await payroll.activity("ac", "mc")
    invoices = [await payroll.invoice(f"inv-c{i:05d}", "ac", "mc", Decimal("100.00")) for i in range(6)]
    payments = [PaymentReceived(
        payment_id=f"pc-{i}", invoice_id=inv.invoice_id, invoice_number=inv.number, activity_id="ac",
        member_id="mc", received_on=date(2026, 4, 2), amount=inv.total_incl_vat, amount_excl_vat=inv.total_excl_vat,
        vat=inv.total_vat, contribution=inv.contribution, activity_share=inv.activity_share,
        outstanding_incl_vat=Decimal("0.00"), fully_paid=True) for i, inv in enumerate(invoices)]
    # Each payment delivered twice at the same time (same event id), all racing for the same position.
    envelopes = [Envelope(type=p.event_type, source="tests", data=p.model_dump(mode="json")) for p in payments]
    await asyncio.gather(*(payroll.handlers[e.type](e) for e in envelopes + envelopes))
    position = await LedgerRepository(payroll.runtime.db, payroll.clock).position("ac")
    assert position.available == Decimal("93.50") * 6
    assert position.receivables == 0 and position.totals.turnover_excl_vat == Decimal("600.00")


async def test_each_euro_counts_in_the_brussels_year_it_moved(payroll: Payroll) -> None:
    await payroll.member("my")
    await payroll.activity("ay", "my")
    late = await payroll.invoice("inv-y00001", "ay", "my", Decimal("100.00"))
    early = await payroll.invoice("inv-y00002", "ay", "my", Decimal("300.00"))
    # 23:59 and 00:01 on the night of New Year in Brussels: one minute apart, two years apart.
    for invoice, at in ((late, datetime(2025, 12, 31, 22, 59, tzinfo=UTC)),
                        (early, datetime(2025, 12, 31, 23, 1, tzinfo=UTC))):
        await payroll.deliver(PaymentReceived(
            payment_id=f"py-{invoice.invoice_id}", invoice_id=invoice.invoice_id, invoice_number=invoice.number,
            activity_id="ay", member_id="my", received_on=at.date(), amount=invoice.total_incl_vat,
            amount_excl_vat=invoice.total_excl_vat, vat=invoice.total_vat, contribution=invoice.contribution,
            activity_share=invoice.activity_share, outstanding_incl_vat=Decimal("0.00"), fully_paid=True), at=at)
    response = await payroll.client.get("/api/v1/ledger/activities/ay/years", headers=payroll.auth("my"))
    assert response.status_code == 200, response.text
    by_year = {item["year"]: item["statement"] for item in response.json()["items"]}
    assert list(by_year)[:2] == sorted(by_year, reverse=True)[:2]  # the latest year first
    assert Decimal(by_year[2025]["turnover_excl_vat"]) == Decimal("100.00")
    assert Decimal(by_year[2025]["vat_collected"]) == Decimal("21.00")
    assert Decimal(by_year[2026]["turnover_excl_vat"]) == Decimal("300.00")
    since_opening = (await payroll.ledger("ay"))["statement"]
    for name in ("turnover_excl_vat", "vat_collected", "contribution", "activity_share", "remaining"):
        assert sum(Decimal(s[name]) for s in by_year.values()) == Decimal(since_opening[name]), name
    # Another member's activity is not shown, by year or otherwise.
    other = await payroll.client.get("/api/v1/ledger/activities/ay/years", headers=payroll.auth("someone-else"))
    assert other.status_code == 404
