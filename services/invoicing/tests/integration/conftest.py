"""Fixtures for the invoicing service on real servers (SecantusDB/MongoDB and
RabbitMQ from the shared ``infrastructure`` fixture).

``platform`` runs the service with its lifespan, trusts the test signing key,
binds a test queue to every ``invoicing.*`` event, and seeds the read model
of members and activities by calling the service's own event handlers with
envelopes (the broker path is exercised by test_read_model.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from coop_shared.messaging.envelope import Envelope
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.service import Runtime
from coop_shared.testing.events import EventTap
from coop_shared.testing.fixtures import running, trust_test_key
from invoicing.config import InvoicingSettings
from invoicing.main import create_app
from invoicing.service_layer.context import Context, context_of
from invoicing.service_layer.handlers import build_handlers

INVOICING_EVENTS = [
    "invoicing.quote.sent.v1", "invoicing.quote.answered.v1", "invoicing.quote.expired.v1",
    "invoicing.invoice.issued.v1",
    "invoicing.invoice.sent.v1", "invoicing.invoice.credited.v1", "invoicing.payment.received.v1",
    "invoicing.payment.unmatched.v1", "invoicing.payment.assigned.v1", "invoicing.payment.refunded.v1",
    "invoicing.payment.reversed.v1",
    "invoicing.invoice.paid.v1", "invoicing.invoice.partially_paid.v1", "invoicing.invoice.overdue.v1",
    "invoicing.invoice.reminder_sent.v1", "invoicing.invoice.written_off.v1", "invoicing.expense.submitted.v1",
    "invoicing.expense.approved.v1", "invoicing.expense.rejected.v1", "invoicing.refund.paid.v1",
    "invoicing.internal_transfer.requested.v1", "invoicing.internal_transfer.approved.v1",
    "invoicing.internal_transfer.rejected.v1",
    "invoicing.document.send_requested.v1",
]

BE_COMPANY = {
    "kind": "company", "name": "Théâtre de la Lune SRL", "email": "compta@theatre-lune.example", "language": "fr",
    "vat_number": "BE0765432146",
    "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"},
}
NL_COMPANY = {
    "kind": "company", "name": "Studio Noord B.V.", "email": "finance@studionoord.example", "language": "en",
    "vat_number": "NL000099998B57",
    "address": {"street": "Keizersgracht 100", "postal_code": "1015 AA", "city": "Amsterdam", "country": "NL"},
}
SCHOOL = {
    "kind": "company", "name": "Haute École des Arts ASBL", "language": "fr", "vat_number": "BE0812345603",
    "address": {"street": "Rue du Savoir 3", "postal_code": "5000", "city": "Namur", "country": "BE"},
}
PERSON = {
    "kind": "person", "name": "Camille Martin", "email": "camille@example.org", "language": "nl",
    "address": {"street": "Rue Haute 5", "postal_code": "1000", "city": "Bruxelles", "country": "BE"},
}
US_COMPANY = {
    "kind": "company", "name": "Brooklyn Sound LLC", "email": "ap@brooklynsound.example", "language": "en",
    "address": {"street": "200 Kent Ave", "postal_code": "11249", "city": "Brooklyn", "country": "US"},
}


def line(description: str = "Création sonore", quantity: str = "10", unit: str = "HUR", unit_price: str = "65.00",
         vat_rate: str | None = "21") -> dict[str, Any]:
    body: dict[str, Any] = {"description": description, "quantity": quantity, "unit": unit, "unit_price": unit_price}
    if vat_rate is not None:
        body["vat_rate"] = vat_rate
    return body


@dataclass
class Platform:
    app: FastAPI
    http: httpx.AsyncClient
    tap: EventTap
    token_for: Callable[..., dict[str, str]]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def ctx(self) -> Context:
        return context_of(self.runtime)

    def auth(self, subject: str, role: str = "member", **kwargs: Any) -> dict[str, str]:
        return self.token_for(subject, role, **kwargs)

    # -- read model, through the service's own handlers ---------------------------------

    async def deliver(self, event_type: str, data: dict[str, Any], *, time: datetime | None = None,
                      event_id: str | None = None) -> None:
        envelope = Envelope(id=event_id or str(uuid.uuid4()), type=event_type, source="members", data=data,
                            time=time or datetime.now(UTC))
        await build_handlers(self.runtime)[event_type](envelope)

    async def member(self, member_id: str | None = None, *, shares_paid: int = 1, advisor_id: str | None = None,
                     role: str = "member") -> str:
        member_id = member_id or f"m-{uuid.uuid4().hex[:8]}"
        await self.deliver("members.member.registered.v1", {
            "member_id": member_id, "email": f"{member_id}@example.be", "full_name": f"Member {member_id}",
            "language": "fr", "role": role})
        await self.deliver("members.share.paid.v1", {
            "member_id": member_id, "shares_paid": shares_paid, "shares_required": 1,
            "in_good_standing": shares_paid >= 1, "usage_started_on": None, "entry_id": str(uuid.uuid4()),
            "subscription_id": str(uuid.uuid4()), "category": "A", "quantity": shares_paid, "amount": "30.00",
            "paid_at": datetime.now(UTC).isoformat()})
        if advisor_id is not None:
            await self.deliver("members.member.advisor_assigned.v1",
                               {"member_id": member_id, "advisor_id": advisor_id})
        return member_id

    async def activity(self, owner_id: str, *, co_managers: tuple[str, ...] = (), status: str = "open",
                       name: str = "Atelier Sonore", activity_id: str | None = None) -> str:
        activity_id = activity_id or f"a-{uuid.uuid4().hex[:8]}"
        await self.deliver("members.activity.opened.v1", {
            "activity_id": activity_id, "name": name, "sector": "arts_and_culture", "owner_id": owner_id,
            "co_manager_ids": list(co_managers), "kind": "individual", "budget_manager_id": owner_id,
            "status": status, "opened_at": datetime.now(UTC).isoformat()})
        return activity_id

    async def budget(self, activity_id: str, available: str, ledger_sequence: int = 1) -> None:
        await self.deliver("payroll.budget.changed.v1", {
            "activity_id": activity_id, "available_budget": available, "ledger_sequence": ledger_sequence})

    async def member_with_activity(self, **kwargs: Any) -> tuple[str, str, dict[str, str]]:
        member_id = await self.member(**kwargs)
        activity_id = await self.activity(member_id)
        return member_id, activity_id, self.auth(member_id)

    # -- API shortcuts ------------------------------------------------------------------

    async def client(self, headers: dict[str, str], activity_id: str, body: dict[str, Any] | None = None,
                     **overrides: Any) -> dict[str, Any]:
        response = await self.http.post("/api/v1/clients", headers=headers,
                                        json={**(body or BE_COMPANY), "activity_id": activity_id, **overrides})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def draft(self, headers: dict[str, str], activity_id: str, client_id: str,
                    lines: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
        response = await self.http.post("/api/v1/invoices", headers=headers, json={
            "activity_id": activity_id, "client_id": client_id, "lines": lines or [line()], **overrides})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def issued(self, headers: dict[str, str], activity_id: str, client_id: str,
                     lines: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
        draft = await self.draft(headers, activity_id, client_id, lines, **overrides)
        response = await self.http.post(f"/api/v1/invoices/{draft['id']}/issue", headers=headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def platform(settings_for: Callable[..., Any], signing_key: Any,
                   token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Platform]:
    async with start_platform(settings_for, signing_key, token_for) as started:
        yield started


@asynccontextmanager
async def start_platform(settings_for: Callable[..., Any], signing_key: Any, token_for: Callable[..., dict[str, str]],
                         **overrides: Any) -> AsyncIterator[Platform]:
    # The scheduled jobs are driven by the tests that need them (test_scheduled_jobs.py).
    settings: InvoicingSettings = settings_for(InvoicingSettings, reminder_job_enabled=False, jobs_enabled=False,
                                               **overrides)
    # The outbox publishes with `mandatory`: bind a listener before anything is emitted.
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    topology = Topology(settings.exchange_name, settings.dead_letter_exchange_name, "invoicing-test-tap", 3,
                        prefix=settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topology, INVOICING_EVENTS)
    app = trust_test_key(create_app(settings), signing_key)
    try:
        async with running(app) as http:
            yield Platform(app=app, http=http, tap=EventTap(queue), token_for=token_for)
    finally:
        await connection.close()
