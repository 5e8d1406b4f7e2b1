"""The governance service on real servers, with a clock the tests move.

``gov`` runs the app (real MongoDB-wire server and RabbitMQ from the shared
``infrastructure`` fixture) and offers the steps every scenario needs: feed
the read model as the consumer would, create and convene assemblies, move
the clock into and past the voting window, vote.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from coop_shared.auth.tokens import SigningKey
from coop_shared.clock import FakeClock
from coop_shared.contracts.members import MemberRegistered, SharePaid, ShareResigned, ShareTransferred
from coop_shared.contracts.payroll import ContractCreated
from coop_shared.messaging.envelope import Envelope, EventPayload
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.testing.events import EventTap
from coop_shared.testing.fixtures import running, trust_test_key
from governance.config import GovernanceSettings
from governance.main import create_app
from governance.service_layer.handlers import build_handlers

# Convocation happens on T0 (a Monday in Brussels); voting a week later, for two days.
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
OPENS = T0 + timedelta(days=7)
CLOSES = OPENS + timedelta(days=2)
BEFORE_T0 = date(2026, 4, 1)

GOVERNANCE_EVENTS = [
    "governance.assembly.convened.v1", "governance.voting.opened.v1", "governance.voting.closed.v1",
    "governance.results.published.v1", "governance.recommendation.submitted.v1",
    "governance.recommendation.status_changed.v1",
]


def event(payload: EventPayload, at: datetime | None = None, event_id: str | None = None) -> Envelope:
    return Envelope(id=event_id or str(uuid.uuid4()), type=payload.event_type, source="tests",
                    time=at or datetime.now(UTC), data=payload.model_dump(mode="json"))


def share_paid(member_id: str, on: date = BEFORE_T0, quantity: int = 1, category: str = "A") -> SharePaid:
    return SharePaid(member_id=member_id, shares_paid=quantity, shares_required=1, in_good_standing=True,
                     entry_id=str(uuid.uuid4()), subscription_id=str(uuid.uuid4()), category=category,  # type: ignore[arg-type]
                     quantity=quantity, amount=Decimal(30) * quantity,
                     paid_at=datetime(on.year, on.month, on.day, 10, tzinfo=UTC))


@dataclass
class Gov:
    client: httpx.AsyncClient
    app: FastAPI
    clock: FakeClock
    token_for: Callable[..., dict[str, str]]
    admin: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.app.state.runtime.db

    def member(self, member_id: str) -> dict[str, str]:
        return self.token_for(member_id)

    async def feed(self, payload: EventPayload, at: datetime | None = None, event_id: str | None = None) -> Envelope:
        """Hand an event to the service's own handler, as the consumer does."""
        envelope = event(payload, at, event_id)
        await build_handlers(self.app.state.runtime)[envelope.type](envelope)
        return envelope

    async def members_with_shares(self, *member_ids: str, on: date = BEFORE_T0) -> None:
        for m in member_ids:
            await self.feed(share_paid(m, on))

    async def worker(self, member_id: str, first: date, last: date) -> None:
        await self.feed(ContractCreated(contract_id=str(uuid.uuid4()), member_id=member_id, activity_id="act-1",
                                        basis="employment", first_day=first, last_day=last, work_days=1,
                                        dimona_reference="D-1"))

    async def named(self, member_id: str, full_name: str) -> None:
        await self.feed(MemberRegistered(member_id=member_id, email=f"{member_id}@example.be",
                                         full_name=full_name))

    async def resigned(self, member_id: str, quantity: int = 1, at: datetime | None = None) -> None:
        await self.feed(ShareResigned(member_id=member_id, shares_paid=0, shares_required=1, in_good_standing=False,
                                      entry_id=str(uuid.uuid4()), category="A", quantity=quantity,
                                      refund_amount=Decimal(30), refund_due_on=date(2029, 1, 1)), at=at)

    async def transferred(self, giver: str, receiver: str, at: datetime | None = None) -> None:
        await self.feed(ShareTransferred(transfer_id=str(uuid.uuid4()), category="A", quantity=1,
                                         amount=Decimal(30), from_member_id=giver, from_shares_paid=0,
                                         from_in_good_standing=False, to_member_id=receiver, to_shares_paid=1,
                                         to_in_good_standing=True), at=at)

    async def create(self, resolutions: Sequence[dict[str, Any]] = ({"text": "Approve the accounts"},),
                     **fields: Any) -> dict[str, Any]:
        body = {"kind": "general", "title": "General assembly 2026", "opens_at": OPENS.isoformat(),
                "closes_at": CLOSES.isoformat(), **fields}
        created = await self.client.post("/api/v1/assemblies", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        assembly = created.json()
        for r in resolutions:
            added = await self.client.post(f"/api/v1/assemblies/{assembly['id']}/resolutions", json=r,
                                           headers=self.admin)
            assert added.status_code == 201, added.text
            assembly["agenda"].append(added.json())
        return assembly

    async def act(self, assembly_id: str, action: str, expect: int = 200, **headers: str) -> httpx.Response:
        response = await self.client.post(f"/api/v1/assemblies/{assembly_id}/{action}",
                                          headers={**self.admin, **headers})
        assert response.status_code == expect, response.text
        return response

    async def convene(self, assembly_id: str, **headers: str) -> dict[str, Any]:
        self.clock.set(T0)
        return (await self.act(assembly_id, "convene", **headers)).json()  # type: ignore[no-any-return]

    async def open(self, assembly_id: str, **headers: str) -> dict[str, Any]:
        self.clock.set(OPENS)
        return (await self.act(assembly_id, "open-voting", **headers)).json()  # type: ignore[no-any-return]

    async def close(self, assembly_id: str, **headers: str) -> dict[str, Any]:
        self.clock.set(CLOSES)
        return (await self.act(assembly_id, "close-voting", **headers)).json()  # type: ignore[no-any-return]

    async def vote(self, member_id: str, resolution_id: str, choice: str = "for",
                   on_behalf_of: str | None = None, **headers: str) -> httpx.Response:
        body: dict[str, Any] = {"choice": choice}
        if on_behalf_of is not None:
            body["on_behalf_of"] = on_behalf_of
        return await self.client.post(f"/api/v1/resolutions/{resolution_id}/votes", json=body,
                                      headers={**self.member(member_id), **headers})

    async def proxy(self, giver: str, holder: str, assembly_id: str) -> httpx.Response:
        return await self.client.post(f"/api/v1/assemblies/{assembly_id}/proxies", json={"holder_id": holder},
                                      headers=self.member(giver))

    async def results(self, assembly_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/assemblies/{assembly_id}/results", headers=self.member("anyone"))
        assert response.status_code == 200, response.text
        return {r["resolution_id"]: r for r in response.json()["results"]}


@pytest.fixture
def gov_settings(settings_for: Callable[..., Any]) -> GovernanceSettings:
    # The tests move the clock and press the admin buttons; test_voting_deadlines.py runs the job.
    settings: GovernanceSettings = settings_for(GovernanceSettings, jobs_enabled=False)
    return settings


@pytest.fixture
async def gov(gov_settings: GovernanceSettings, signing_key: SigningKey,
              token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Gov]:
    clock = FakeClock(T0 - timedelta(days=1))
    app = trust_test_key(create_app(gov_settings, clock=clock), signing_key)
    async with running(app) as client:
        yield Gov(client, app, clock, token_for, admin=token_for("admin-1", role="admin"))


@pytest.fixture
async def tap(gov_settings: GovernanceSettings) -> AsyncIterator[EventTap]:
    connection = await aio_pika.connect_robust(gov_settings.amqp_url)
    channel = await connection.channel()
    topology = Topology(gov_settings.exchange_name, gov_settings.dead_letter_exchange_name, "listener", 3,
                        prefix=gov_settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topology, GOVERNANCE_EVENTS)
    yield EventTap(queue, connection)
    await connection.close()
