"""The consumer is bound to exactly the events whose contracts name governance as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from governance.config import GovernanceSettings
from governance.main import create_app


def test_governance_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = GovernanceSettings()
    assert settings.service_name == "governance"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
