"""The invoicing service keeps its own deadlines: with a fake clock, an invoice
is overdue the day after its due date and gets its first reminder and formal
notice once each, however many times and on however many replicas the job
runs; a quote expires after its validity date."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from coop_shared.clock import FakeClock
from coop_shared.contracts.invoicing import InvoiceOverdue, QuoteExpired, ReminderSent
from coop_shared.jobs import JobBusy, Scheduler
from coop_shared.testing.fixtures import running, trust_test_key
from invoicing.config import InvoicingSettings
from invoicing.main import create_app

from .conftest import Platform


@pytest.fixture
async def replicas(settings_for: Callable[..., Any], signing_key: Any,
                   token_for: Callable[..., dict[str, str]]) -> AsyncIterator[tuple[FakeClock, list[Platform]]]:
    """Two instances of the service on one database and one fake clock (10 March 2026, 10:00 in Brussels)."""
    clock = FakeClock.at_local(2026, 3, 10, 10, 0)
    settings: InvoicingSettings = settings_for(InvoicingSettings, jobs_enabled=False,
                                               reminder_job_interval_seconds=3600,
                                               reminder_job_initial_delay_seconds=0)
    async with AsyncExitStack() as stack:
        platforms = []
        for _ in range(2):
            app = trust_test_key(create_app(settings, clock=clock), signing_key)
            http = await stack.enter_async_context(running(app))
            platforms.append(Platform(app=app, http=http, tap=None, token_for=token_for))  # type: ignore[arg-type]
        yield clock, platforms


def scheduler(platform: Platform) -> Scheduler:
    assert platform.runtime.scheduler is not None
    return platform.runtime.scheduler


async def everywhere(platforms: list[Platform], times: int = 5) -> None:
    """Every replica ticks and forces a run, many times, all at once."""
    async def forced(p: Platform) -> None:
        try:
            await scheduler(p).run_now("reminders")
        except JobBusy:
            pass  # the other replica holds the lease at that moment

    await asyncio.gather(*(scheduler(p).tick() for p in platforms for _ in range(times)),
                         *(forced(p) for p in platforms for _ in range(times)))


async def test_overdue_reminder_and_formal_notice_once_each_on_two_replicas(
        replicas: tuple[FakeClock, list[Platform]]) -> None:
    clock, platforms = replicas
    first = platforms[0]
    _, activity, owner = await first.member_with_activity()
    client = await first.client(owner, activity)
    invoice = await first.issued(owner, activity, client["id"], payment_term_days=14)
    assert invoice["due_date"] == "2026-03-24"
    db = first.runtime.db

    async def reminders() -> dict[str, str]:
        doc = (await first.http.get(f"/api/v1/invoices/{invoice['id']}", headers=owner)).json()
        result: dict[str, str] = doc["reminders"]
        return result

    clock.set(FakeClock.at_local(2026, 3, 24, 23, 59).now())  # the due date itself: not late
    await everywhere(platforms)
    assert await reminders() == {}
    clock.advance(minutes=2)  # midnight in Brussels (still the 24th in UTC)
    await everywhere(platforms)
    assert await reminders() == {"overdue": "2026-03-25"}
    clock.set(FakeClock.at_local(2026, 3, 30, 23, 0).now())  # day 6, after the change to summer time
    await everywhere(platforms)
    assert await reminders() == {"overdue": "2026-03-25"}
    clock.advance(hours=1, minutes=1)  # day 7: the first reminder
    await everywhere(platforms, times=10)
    assert await reminders() == {"overdue": "2026-03-25", "first_reminder": "2026-03-31"}
    clock.set(FakeClock.at_local(2026, 4, 14, 0, 30).now())  # day 21: the formal notice
    await everywhere(platforms, times=10)
    clock.advance(days=60)
    await everywhere(platforms)
    assert await reminders() == {"overdue": "2026-03-25", "first_reminder": "2026-03-31",
                                 "formal_notice": "2026-04-14"}
    assert await db.reminders.count_documents({"invoice_id": invoice["id"]}) == 3
    assert await db.outbox.count_documents({"type": InvoiceOverdue.event_type}) == 1
    assert await db.outbox.count_documents({"type": ReminderSent.event_type}) == 2
    [state] = [s for s in await scheduler(first).states() if s["name"] == "reminders"]
    assert state["last_outcome"] == "ok" and state["runs"] >= 6  # at least once per step of the clock


async def test_a_sent_quote_expires_the_day_after_its_validity_date(
        replicas: tuple[FakeClock, list[Platform]]) -> None:
    clock, platforms = replicas
    first = platforms[0]
    _, activity, owner = await first.member_with_activity()
    client = await first.client(owner, activity)
    created = await first.http.post("/api/v1/quotes", headers=owner, json={
        "activity_id": activity, "client_id": client["id"], "valid_until": "2026-03-31",
        "lines": [{"description": "Captation", "quantity": "1", "unit": "DAY", "unit_price": "600.00",
                   "vat_rate": "21"}]})
    quote_id = created.json()["id"]
    sent = await first.http.post(f"/api/v1/quotes/{quote_id}/send", headers=owner)
    assert sent.status_code == 200, sent.text

    async def status() -> str:
        value: str = (await first.http.get(f"/api/v1/quotes/{quote_id}", headers=owner)).json()["status"]
        return value

    clock.set(FakeClock.at_local(2026, 3, 31, 23, 59).now())  # still valid all of its last day
    await asyncio.gather(*(scheduler(p).run_now("quote-expiry") for p in platforms[:1]))
    assert await status() == "sent"
    clock.advance(minutes=10)  # 00:09 on 1 April: the nightly run at 00:05 is due
    outcomes = await asyncio.gather(*(scheduler(p).tick() for p in platforms for _ in range(3)))
    assert [o.result for batch in outcomes for o in batch if o.job == "quote-expiry"] == [
        {"today": "2026-04-01", "expired": 1}]
    assert await status() == "expired"
    events = [e async for e in first.runtime.db.outbox.find({"type": QuoteExpired.event_type})]
    assert len(events) == 1
    clock.advance(days=1)
    await asyncio.gather(*(scheduler(p).tick() for p in platforms))
    assert await first.runtime.db.outbox.count_documents({"type": QuoteExpired.event_type}) == 1


async def test_money_held_past_its_refund_due_date_is_flagged_once(
        replicas: tuple[FakeClock, list[Platform]]) -> None:
    clock, platforms = replicas
    first = platforms[0]
    _, activity, owner = await first.member_with_activity(advisor_id="adv-9")
    client = await first.client(owner, activity)
    invoice = await first.issued(owner, activity, client["id"], payment_term_days=14)
    staff = first.auth("adv-9", "advisor")
    paid = await first.http.post("/api/v1/payments", headers=staff, json={
        "invoice_id": invoice["id"], "amount": "1000.00", "received_on": "2026-03-10"})  # overpaid: 213.50 held
    assert paid.status_code == 201, paid.text

    async def held() -> dict[str, Any]:
        [item] = (await first.http.get("/api/v1/payments/unmatched", headers=staff)).json()["items"]
        return item  # type: ignore[no-any-return]

    clock.set(FakeClock.at_local(2026, 3, 24, 8, 30).now())  # 14 days after receipt: still in time
    await asyncio.gather(*(scheduler(p).tick() for p in platforms))
    assert (await held())["refund_late_since"] is None
    clock.advance(days=1)
    await asyncio.gather(*(scheduler(p).tick() for p in platforms for _ in range(3)))
    clock.advance(days=1)
    await asyncio.gather(*(scheduler(p).tick() for p in platforms))
    late = await held()
    assert (late["refund_late_since"], late["status"], late["remaining"]) == ("2026-03-25", "open", "213.50")
