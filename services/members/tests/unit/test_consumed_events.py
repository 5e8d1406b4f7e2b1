"""The consumer is bound to exactly the events whose contracts name members as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from members.config import MembersSettings
from members.main import create_app


def test_members_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = MembersSettings()
    assert settings.service_name == "members"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
