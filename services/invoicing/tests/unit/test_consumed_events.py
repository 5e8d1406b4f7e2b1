"""The consumer is bound to exactly the events whose contracts name invoicing as a consumer."""

from __future__ import annotations

from coop_shared.testing.consumption import consumption_gaps
from invoicing.config import InvoicingSettings
from invoicing.main import create_app


def test_invoicing_handles_exactly_the_events_its_contracts_send_it() -> None:
    settings = InvoicingSettings()
    assert settings.service_name == "invoicing"
    assert consumption_gaps(create_app(settings), settings) == {
        "handled_but_not_contracted": [], "contracted_but_not_handled": []}
