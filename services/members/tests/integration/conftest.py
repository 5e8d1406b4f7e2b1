"""Fixtures for the members service on real servers (SecantusDB/MongoDB and
RabbitMQ from the shared ``infrastructure`` fixture)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.testing.events import EventTap
from coop_shared.testing.fixtures import running
from members.config import MembersSettings
from members.main import create_app

# Argon2id at test cost: the parameters change the work, not the code path.
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}
ADMIN_EMAIL = "admin@coop.localhost"
ADMIN_PASSWORD = "admin password for tests"
PASSWORD = "correct horse battery staple"
IBAN = "BE71 0961 2345 6769"
NISS = "85.07.30-033.28"


def registration(email: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": email or f"m-{uuid.uuid4().hex[:8]}@example.be", "password": PASSWORD,
        "full_name": "Ada Lovelace", "language": "en",
        "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
        "iban": IBAN, "niss": NISS,
    }
    body.update(overrides)
    return body


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: FastAPI
    responses: list[httpx.Response] = field(default_factory=list)

    @property
    def db(self) -> Any:
        return self.app.state.runtime.db

    async def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, url, **kwargs)
        self.responses.append(response)
        return response

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.call("POST", "/api/v1/auth/login", json={"email": email, "password": password})

    async def account(self, email: str, password: str = PASSWORD) -> Account:
        response = await self.login(email, password)
        assert response.status_code == 200, response.text
        tokens = response.json()
        me = await self.call("GET", "/api/v1/members/me",
                             headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200, me.text
        return Account(me.json()["id"], email, password, tokens["access_token"], tokens["refresh_token"])

    async def member(self, **overrides: Any) -> Account:
        body = registration(**overrides)
        response = await self.call("POST", "/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        return await self.account(body["email"], body["password"])

    async def admin(self) -> Account:
        return await self.account(ADMIN_EMAIL, ADMIN_PASSWORD)

    async def paid_member(self, admin: Account, shares: int = 1) -> Account:
        """A member in good standing: subscribed and payment confirmed."""
        member = await self.member()
        entry = await self.call("POST", "/api/v1/shares", json={"quantity": shares}, headers=member.headers)
        assert entry.status_code == 201, entry.text
        paid = await self.call("POST", f"/api/v1/admin/shares/{entry.json()['id']}/confirm-payment",
                               headers=admin.headers)
        assert paid.status_code == 201, paid.text
        return member


@pytest.fixture
def members_settings(settings_for: Callable[..., Any]) -> Callable[..., MembersSettings]:
    def make(**overrides: Any) -> MembersSettings:
        values = {**FAST_HASHING, "bootstrap_admin_email": ADMIN_EMAIL, "bootstrap_admin_password": ADMIN_PASSWORD}
        values.update(overrides)
        settings: MembersSettings = settings_for(MembersSettings, **values)
        return settings

    return make


@pytest.fixture
async def tap(members_settings: Callable[..., MembersSettings]) -> AsyncIterator[EventTap]:
    # Bound before the service starts: publishes are mandatory, so without a
    # bound queue the relay would (rightly) see every event refused.
    settings = members_settings()
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    topology = Topology(settings.exchange_name, settings.dead_letter_exchange_name, "listener", 3,
                        prefix=settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topology, ["members.#"])
    yield EventTap(queue)
    await connection.close()


@pytest.fixture
def start(members_settings: Callable[..., MembersSettings], tap: EventTap) -> Callable[..., Any]:
    """``async with start(**settings) as api``: the service with its lifespan."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Api]:
        app = create_app(members_settings(**overrides))
        async with running(app) as client:
            yield Api(client, app)

    return run


@pytest.fixture
async def api(start: Callable[..., Any]) -> AsyncIterator[Api]:
    async with start() as api:
        yield api
