"""A service that only publishes is ready from the start: the events exchange
and its alternate exchange are declared at start-up, not at the first publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
