"""A running payroll service on the real servers, a movable clock, and helpers to feed it events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import FakeClock
from coop_shared.contracts.invoicing import InvoiceIssued, PaymentReceived
from coop_shared.contracts.members import ActivityOpened, AttestationRecorded, MemberRegistered
from coop_shared.messaging.envelope import Envelope, EventPayload
from coop_shared.service import Runtime
from coop_shared.testing.fixtures import running, trust_test_key
from payroll.config import PayrollSettings
from payroll.main import create_app
from payroll.service_layer.handlers import build_handlers

START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
D = Decimal


class Clock(FakeClock):
    """The shared fake clock, moved to noon (UTC) of a day: the Belgian calendar day is then the same."""

    def __init__(self) -> None:
        super().__init__(START)

    def move_to(self, day: date) -> None:
        self.set(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


@dataclass
class Payroll:
    """The service under test: HTTP client, runtime, clock, and its event handlers."""

    client: httpx.AsyncClient
    runtime: Runtime
    clock: Clock
    token_for: Callable[..., dict[str, str]]
    handlers: dict[str, Any] = field(default_factory=dict)

    def auth(self, subject: str, role: str = "member") -> dict[str, str]:
        return self.token_for(subject, role)

    async def deliver(self, payload: EventPayload, *, event_id: str | None = None,
                      at: datetime | None = None) -> Envelope:
        envelope = Envelope(id=event_id or str(uuid.uuid4()), type=payload.event_type, source="tests",
                            time=at or datetime.now(UTC), data=payload.model_dump(mode="json"))
        await self.handlers[envelope.type](envelope)
        return envelope

    async def member(self, member_id: str, full_name: str = "Ada Lovelace",
                     iban: str | None = "BE62510007547061") -> None:
        await self.deliver(MemberRegistered(member_id=member_id, email=f"{member_id}@example.be",
                                            full_name=full_name, iban=iban))

    async def activity(self, activity_id: str, owner_id: str, co_managers: tuple[str, ...] = (),
                       at: datetime | None = None) -> None:
        await self.deliver(ActivityOpened(activity_id=activity_id, name=f"Activity {activity_id}", sector="digital",
                                          owner_id=owner_id, co_manager_ids=list(co_managers), kind="individual",
                                          status="open", opened_at=START), at=at)

    async def attestation(self, member_id: str, valid_from: date, valid_to: date) -> None:
        await self.deliver(AttestationRecorded(member_id=member_id, attestation_type="ordinary",
                                               valid_from=valid_from, valid_to=valid_to))

    async def invoice(self, invoice_id: str, activity_id: str, owner: str, excl: Decimal,
                      at: datetime | None = None) -> InvoiceIssued:
        vat, contribution = (excl * D("0.21")).quantize(D("0.01")), (excl * D("0.065")).quantize(D("0.01"))
        issued = InvoiceIssued(
            invoice_id=invoice_id, number=f"2026-{invoice_id[-6:]}", activity_id=activity_id, member_id=owner,
            client_id="client-1", client_name="Client SA", issue_date=date(2026, 3, 20), due_date=date(2026, 4, 20),
            total_excl_vat=excl, total_vat=vat, total_incl_vat=excl + vat, contribution_rate=D("0.065"),
            contribution=contribution, activity_share=excl - contribution,
            structured_communication="+++090/9337/55493+++")
        await self.deliver(issued, at=at)
        return issued

    async def payment(self, invoice: InvoiceIssued, payment_id: str, excl: Decimal | None = None,
                      at: datetime | None = None) -> PaymentReceived:
        amount_excl = excl if excl is not None else invoice.total_excl_vat
        full = amount_excl == invoice.total_excl_vat
        vat = invoice.total_vat if full else (amount_excl * D("0.21")).quantize(D("0.01"))
        contribution = invoice.contribution if full else (amount_excl * D("0.065")).quantize(D("0.01"))
        paid = PaymentReceived(
            payment_id=payment_id, invoice_id=invoice.invoice_id, invoice_number=invoice.number,
            activity_id=invoice.activity_id, member_id=invoice.member_id, received_on=date(2026, 4, 2),
            amount=amount_excl + vat, amount_excl_vat=amount_excl, vat=vat, contribution=contribution,
            activity_share=amount_excl - contribution,
            outstanding_incl_vat=invoice.total_incl_vat - amount_excl - vat, fully_paid=full)
        await self.deliver(paid, at=at)
        return paid

    async def request_salary(self, member_id: str, activity_id: str, days: list[date], **amount: str
                             ) -> httpx.Response:
        body: dict[str, Any] = {"activity_id": activity_id, "work_dates": [d.isoformat() for d in days], **amount}
        return await self.client.post("/api/v1/salary-requests", json=body, headers=self.auth(member_id))

    async def ledger(self, activity_id: str, viewer: str | None = None, role: str = "member") -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/ledger/activities/{activity_id}",
                                         headers=self.auth(viewer or "admin-1", role if viewer else "admin"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def work_days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


@pytest.fixture
def payroll_settings(settings_for: Callable[..., Any]) -> PayrollSettings:
    # The tests move their own clock; test_scheduled_jobs.py drives the jobs.
    settings: PayrollSettings = settings_for(PayrollSettings, jobs_enabled=False)
    return settings


@pytest.fixture
async def payroll(payroll_settings: PayrollSettings, signing_key: SigningKey,
                  token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Payroll]:
    clock = Clock()
    app = trust_test_key(create_app(payroll_settings, clock=clock), signing_key)
    async with running(app) as client:
        runtime: Runtime = app.state.runtime
        yield Payroll(client, runtime, clock, token_for, dict(build_handlers(runtime)))
