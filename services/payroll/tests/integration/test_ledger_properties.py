"""The real handlers on the real database: balanced books, whatever the order and however many deliveries."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_shared.contracts.invoicing import PaymentReceived
from coop_shared.messaging.envelope import Envelope
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import activity_account, guarantee_advances_account
from payroll.domain.money import ZERO
from payroll.domain.position import ActivityPosition
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

    ledger = LedgerRepository(payroll.runtime.db)
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
    position = await LedgerRepository(payroll.runtime.db).position("ac")
    assert position.available == Decimal("93.50") * 6
    assert position.receivables == 0 and position.totals.turnover_excl_vat == Decimal("600.00")
