"""Through the real broker: an invoicing event published on the exchange moves the ledger, and
the budget change leaves through the outbox."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal

import aio_pika

from coop_shared.contracts.invoicing import InvoiceIssued, PaymentReceived
from coop_shared.contracts.members import ActivityOpened, MemberRegistered
from coop_shared.messaging.envelope import new_event
from coop_shared.messaging.publisher import EventPublisher
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from payroll.config import PayrollSettings

from .conftest import START, Payroll

D = Decimal


async def test_a_published_payment_reaches_the_ledger_and_budget_changed_leaves(
    payroll: Payroll, payroll_settings: PayrollSettings
) -> None:
    settings = payroll_settings
    connection = await aio_pika.connect_robust(settings.amqp_url)
    try:
        channel = await connection.channel()
        listener = Topology(settings.exchange_name, settings.dead_letter_exchange_name, "invoicing-tap", 3,
                            prefix=settings.amqp_prefix)
        budget_queue = await declare_consumer_queues(channel, listener, ["payroll.budget.changed.v1"])
        publisher = EventPublisher(connection, settings.exchange_name, service="tests")
        issued = InvoiceIssued(
            invoice_id="inv-broker", number="2026-000777", activity_id="act-b", member_id="mb", client_id="c",
            client_name="Client", issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31),
            total_excl_vat=D("2000.00"), total_vat=D("420.00"), total_incl_vat=D("2420.00"),
            contribution_rate=D("0.065"), contribution=D("130.00"), activity_share=D("1870.00"),
            structured_communication="+++090/9337/55493+++")
        paid = PaymentReceived(
            payment_id="pay-broker", invoice_id="inv-broker", invoice_number="2026-000777", activity_id="act-b",
            member_id="mb", received_on=date(2026, 4, 1), amount=D("2420.00"), amount_excl_vat=D("2000.00"),
            vat=D("420.00"), contribution=D("130.00"), activity_share=D("1870.00"),
            outstanding_incl_vat=D("0.00"), fully_paid=True)
        for payload in (MemberRegistered(member_id="mb", email="mb@example.be", full_name="M B"),
                        ActivityOpened(activity_id="act-b", name="B", sector="digital", owner_id="mb",
                                       kind="individual", status="open", opened_at=START), issued):
            await publisher.publish(new_event(payload, source="tests"))
        payment_event = new_event(paid, source="invoicing")
        await publisher.publish(payment_event)
        await publisher.publish(payment_event)  # redelivered: booked once

        ledger: dict[str, object] = {}
        for _ in range(200):
            ledger = await payroll.ledger("act-b", "mb")
            if ledger["available_budget"] == "1870.00":
                break
            await asyncio.sleep(0.05)
        assert ledger["available_budget"] == "1870.00"
        await asyncio.sleep(0.3)  # give the duplicate every chance to be (wrongly) booked
        ledger = await payroll.ledger("act-b", "mb")
        assert ledger["available_budget"] == "1870.00" and len(ledger["entries"]) == 1  # type: ignore[arg-type]

        message = None
        for _ in range(200):
            message = await budget_queue.get(fail=False)
            if message is not None:
                break
            await asyncio.sleep(0.05)
        assert message is not None, "payroll.budget.changed.v1 never left the outbox"
        await message.ack()
        envelope = json.loads(message.body)
        assert envelope["type"] == "payroll.budget.changed.v1" and envelope["subject"] == "act-b"
        # The issue and the payment may be consumed in either order (no global ordering): the
        # sequence is 1 or 2, the money the same.
        assert envelope["data"]["activity_id"] == "act-b" and envelope["data"]["available_budget"] == "1870.00"
        assert envelope["data"]["ledger_sequence"] in (1, 2)
        assert envelope["causationid"] == payment_event.id  # traced back to the payment that caused it
        await publisher.close()
    finally:
        await connection.close()
