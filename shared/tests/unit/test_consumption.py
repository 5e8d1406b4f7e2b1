"""The consumption check names both kinds of gap: an event handled that no contract sends, and an event
sent that nothing handles."""

from __future__ import annotations

from collections.abc import Mapping

from coop_shared.messaging.consumer import Handler
from coop_shared.messaging.envelope import Envelope
from coop_shared.service import Runtime, create_service_app
from coop_shared.settings import ServiceSettings
from coop_shared.testing.consumption import consumption_gaps, contracted_event_types


async def _ignore(_: Envelope) -> None:
    return None


def test_a_missing_and_an_unexpected_handler_are_both_named() -> None:
    settings = ServiceSettings(service_name="governance")
    sent = sorted(contracted_event_types("governance"))
    assert len(sent) > 2

    def handlers(_: Runtime) -> Mapping[str, Handler]:
        # One contracted event forgotten, one no contract sends to governance.
        return {**dict.fromkeys(sent[1:], _ignore), "invoicing.invoice.issued.v1": _ignore}

    app = create_service_app(settings, title="t", handlers=handlers)
    gaps = consumption_gaps(app, settings)
    assert gaps == {"handled_but_not_contracted": ["invoicing.invoice.issued.v1"],
                    "contracted_but_not_handled": [sent[0]]}


def test_an_app_without_messaging_consumes_nothing() -> None:
    settings = ServiceSettings(service_name="governance")
    app = create_service_app(settings, title="t", handlers=lambda _: {"x.y.z.v1": _ignore}, messaging=False)
    assert consumption_gaps(app, settings)["handled_but_not_contracted"] == []
    assert consumption_gaps(app, settings)["contracted_but_not_handled"] == sorted(contracted_event_types("governance"))
