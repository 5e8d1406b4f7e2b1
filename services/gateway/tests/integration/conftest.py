"""The five services running for real (uvicorn on free ports) behind a gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
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

SERVICES: dict[str, tuple[Callable[..., Any], type[Any]]] = {
    "members": (create_members, MembersSettings),
    "invoicing": (create_invoicing, InvoicingSettings),
    "payroll": (create_payroll, PayrollSettings),
    "governance": (create_governance, GovernanceSettings),
    "notifications": (create_notifications, NotificationsSettings),
}


@pytest.fixture
async def platform_gateway(settings_for: Callable[..., Any], signing_key: SigningKey
                           ) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway in front of every real service."""
    async with AsyncExitStack() as exits:
        urls = {}
        for name, (factory, settings_cls) in SERVICES.items():
            app = trust_test_key(factory(settings_for(settings_cls)), signing_key)
            urls[f"{name}_url"] = await exits.enter_async_context(serving(app, free_port()))
        gateway = trust_test_key(create_gateway(settings_for(GatewaySettings, **urls)), signing_key)
        yield await exits.enter_async_context(running(gateway))
