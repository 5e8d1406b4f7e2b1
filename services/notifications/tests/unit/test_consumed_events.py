"""The consumer is bound to exactly the events whose contracts name notifications as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from notifications.config import NotificationsSettings
from notifications.main import create_app


def test_notifications_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = NotificationsSettings()
    assert settings.service_name == "notifications"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
