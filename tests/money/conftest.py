"""Invoicing and payroll running side by side on the real servers, talking through the real broker.

Both services share one test namespace (their queues bind to the same
exchange), each has its own database. The members events they both need are
delivered to each service's own handlers (their broker path is tested
elsewhere); everything invoicing tells payroll, and back, goes through
RabbitMQ as in production.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import DayClock, FakeClock
from coop_shared.messaging.envelope import Envelope
from coop_shared.testing.fixtures import running, trust_test_key
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from invoicing.service_layer.handlers import build_handlers as invoicing_handlers
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.config import PayrollSettings
from payroll.main import create_app as create_payroll
from payroll.service_layer.handlers import build_handlers as payroll_handlers

D = Decimal
TODAY = date(2026, 4, 1)
FIRST_WORK_DAY = date(2026, 5, 4)

BE_COMPANY = {
    "kind": "company", "name": "Théâtre de la Lune SRL", "email": "compta@theatre-lune.example", "language": "fr",
    "vat_number": "BE0765432146",
    "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"},
}


def line(description: str = "Création sonore", quantity: str = "10", unit_price: str = "65.00",
         vat_rate: str | None = "21") -> dict[str, Any]:
    body: dict[str, Any] = {"description": description, "quantity": quantity, "unit": "HUR",
                            "unit_price": unit_price}
    if vat_rate is not None:
        body["vat_rate"] = vat_rate
    return body


@dataclass
class Money:
    """Both services: HTTP clients, tokens, seeding and polling helpers."""

    invoicing: httpx.AsyncClient
    payroll: httpx.AsyncClient
    invoicing_app: FastAPI
    payroll_app: FastAPI
    token_for: Callable[..., dict[str, str]]

    def auth(self, subject: str, role: str = "member") -> dict[str, str]:
        return self.token_for(subject, role)

    @property
    def admin(self) -> dict[str, str]:
        return self.token_for("admin-1", "admin")

    async def _deliver(self, app: FastAPI, handlers: Any, event_type: str, data: dict[str, Any]) -> None:
        envelope = Envelope(id=str(uuid.uuid4()), type=event_type, source="members", data=data,
                            time=datetime.now(UTC))
        await handlers(app.state.runtime)[event_type](envelope)

    async def both(self, event_type: str, data: dict[str, Any]) -> None:
        await self._deliver(self.invoicing_app, invoicing_handlers, event_type, data)
        await self._deliver(self.payroll_app, payroll_handlers, event_type, data)

    async def member_with_activity(self) -> tuple[str, str, dict[str, str]]:
        member_id, activity_id = f"m-{uuid.uuid4().hex[:8]}", f"a-{uuid.uuid4().hex[:8]}"
        await self.both("members.member.registered.v1", {
            "member_id": member_id, "email": f"{member_id}@example.be", "full_name": f"Member {member_id}",
            "language": "fr", "role": "member", "iban": "BE62510007547061"})
        await self._deliver(self.invoicing_app, invoicing_handlers, "members.share.paid.v1", {
            "member_id": member_id, "shares_paid": 1, "shares_required": 1, "in_good_standing": True,
            "usage_started_on": None, "entry_id": str(uuid.uuid4()), "subscription_id": str(uuid.uuid4()),
            "category": "A", "quantity": 1, "amount": "30.00", "paid_at": datetime.now(UTC).isoformat()})
        await self.both("members.activity.opened.v1", {
            "activity_id": activity_id, "name": f"Activity {activity_id}", "sector": "arts_and_culture",
            "owner_id": member_id, "co_manager_ids": [], "kind": "individual", "budget_manager_id": member_id,
            "status": "open", "opened_at": datetime.now(UTC).isoformat()})
        return member_id, activity_id, self.auth(member_id)

    async def client(self, headers: dict[str, str], activity_id: str, body: dict[str, Any] | None = None,
                     **extra: Any) -> str:
        response = await self.invoicing.post("/api/v1/clients", headers=headers,
                                             json={**(body or BE_COMPANY), "activity_id": activity_id, **extra})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def issued(self, headers: dict[str, str], activity_id: str, client_id: str,
                     lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        draft = await self.invoicing.post("/api/v1/invoices", headers=headers, json={
            "activity_id": activity_id, "client_id": client_id, "lines": lines or [line()]})
        assert draft.status_code == 201, draft.text
        issued = await self.invoicing.post(f"/api/v1/invoices/{draft.json()['id']}/issue", headers=headers)
        assert issued.status_code == 200, issued.text
        result: dict[str, Any] = issued.json()
        return result

    async def pay(self, invoice_id: str, amount: str) -> httpx.Response:
        return await self.invoicing.post("/api/v1/payments", headers=self.admin, json={
            "invoice_id": invoice_id, "amount": amount, "received_on": TODAY.isoformat()})

    async def credit(self, headers: dict[str, str], invoice_id: str, **body: Any) -> dict[str, Any]:
        response = await self.invoicing.post(f"/api/v1/invoices/{invoice_id}/credit-note", headers=headers,
                                             json={"reason": "Annulé", **body})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def invoice(self, headers: dict[str, str], invoice_id: str) -> dict[str, Any]:
        response = await self.invoicing.get(f"/api/v1/invoices/{invoice_id}", headers=headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def ledger(self, activity_id: str) -> dict[str, Any]:
        response = await self.payroll.get(f"/api/v1/ledger/activities/{activity_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def balances(self) -> dict[str, Decimal]:
        runtime = self.payroll_app.state.runtime
        return await LedgerRepository(runtime.db, runtime.clock).account_balances()

    async def settled(self, source_key: str) -> None:
        """Wait until payroll has booked the transaction ``source_key`` (it came through the broker)."""
        db = self.payroll_app.state.runtime.db
        await eventually(lambda: db.ledger_transactions.find_one({"_id": source_key}), lambda doc: doc is not None)

    async def request_salary(self, member_id: str, activity_id: str, days: int, gross: str,
                             week: int = 0) -> httpx.Response:
        work = [FIRST_WORK_DAY + timedelta(days=7 * week + i) for i in range(days)]
        return await self.payroll.post("/api/v1/salary-requests", headers=self.auth(member_id), json={
            "activity_id": activity_id, "work_dates": [d.isoformat() for d in work], "gross": gross})


async def eventually(read: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], seconds: float = 15.0) -> Any:
    value = None
    for _ in range(int(seconds / 0.05)):
        value = await read()
        if ok(value):
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s; last value: {value!r}")


@pytest.fixture
async def money(settings_for: Callable[..., Any], signing_key: SigningKey,
                token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Money]:
    invoicing_settings: InvoicingSettings = settings_for(InvoicingSettings, reminder_job_enabled=False)
    payroll_settings: PayrollSettings = settings_for(PayrollSettings)
    # Payroll's day stands still on TODAY, as invoicing's does (its use cases and ledger write times alike).
    payroll_clock = FakeClock(datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=UTC))
    payroll_app = trust_test_key(create_payroll(payroll_settings, clock=payroll_clock), signing_key)
    invoicing_app = trust_test_key(create_invoicing(invoicing_settings), signing_key)
    # Payroll first: its queue is bound before invoicing publishes (the outbox publishes with `mandatory`).
    async with running(payroll_app) as payroll, running(invoicing_app) as invoicing:
        invoicing_app.state.context.clock = DayClock(TODAY)
        yield Money(invoicing, payroll, invoicing_app, payroll_app, token_for)
