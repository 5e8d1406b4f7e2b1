"""Each service handles exactly the events whose contracts name it as a consumer.

A contract that lists a consumer with no handler is an event that service
silently never hears; a handler for an event whose contract does not list the
service is a dependency the catalogue (and the producer) does not know about.
Each service is started for real and asked what its queue is bound to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from coop_shared.contracts import CATALOGUE
from coop_shared.testing.fixtures import running
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from governance.config import GovernanceSettings
from governance.main import create_app as create_governance
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from members.config import MembersSettings
from members.main import create_app as create_members
from notifications.config import NotificationsSettings
from notifications.main import create_app as create_notifications
from payroll.config import PayrollSettings
from payroll.main import create_app as create_payroll

SERVICES: dict[str, tuple[type[Any], Callable[[Any], FastAPI]]] = {
    "members": (MembersSettings, create_members),
    "invoicing": (InvoicingSettings, create_invoicing),
    "payroll": (PayrollSettings, create_payroll),
    "governance": (GovernanceSettings, create_governance),
    "notifications": (NotificationsSettings, create_notifications),
    "gateway": (GatewaySettings, create_gateway),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_a_service_handles_exactly_the_contracts_naming_it(
        service: str, settings_for: Callable[..., Any]) -> None:
    settings_class, create_app = SERVICES[service]
    app = create_app(settings_for(settings_class))
    async with running(app):
        consumer = app.state.runtime.consumer
        handled = set() if consumer is None else set(consumer.handled_types)
    named = {contract.event_type for contract in CATALOGUE if service in contract.consumers}
    assert handled == named, (f"handled but not in the catalogue for {service}: {sorted(handled - named)}; "
                              f"catalogued for {service} but not handled: {sorted(named - handled)}")
