"""A service that only publishes is ready from the start: the events exchange
and its alternate exchange are declared at start-up, not at the first publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coop_shared.http.idempotency import IDEMPOTENCY_COLLECTION
from coop_shared.service import create_service_app
from coop_shared.settings import ServiceSettings
from coop_shared.testing.fixtures import running


async def test_a_publishing_only_service_is_ready_and_counts_unrouted_events(
    settings_for: Callable[..., Any],
) -> None:
    settings = settings_for(ServiceSettings, service_name="members")
    app = create_service_app(settings, title="publisher only")
    async with running(app) as http:
        ready = await http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["rabbitmq"]["unrouted_events"] == 0


async def test_every_service_gets_the_shared_machinerys_indexes_without_declaring_them(
    settings_for: Callable[..., Any],
) -> None:
    # Idempotent routes expire their keys after a day whatever service they are in.
    settings = settings_for(ServiceSettings, service_name="members")
    app = create_service_app(settings, title="no indexes of its own", messaging=False)
    async with running(app):
        db = app.state.runtime.db
        indexes = {ix["name"]: ix async for ix in await db[IDEMPOTENCY_COLLECTION].list_indexes()}
        assert indexes["idempotency_ttl"]["expireAfterSeconds"] == 24 * 3600
        assert "outbox" in await db.list_collection_names()
