"""The consumer is bound to exactly the events whose contracts name gateway as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from gateway.config import GatewaySettings
from gateway.main import create_app


def test_gateway_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = GatewaySettings()
    assert settings.service_name == "gateway"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
