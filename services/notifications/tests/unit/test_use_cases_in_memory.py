"""Webhook use cases against in-memory repositories: no database, no broker, no DNS, milliseconds.

The context's MongoDB client is ``memory_runtime``'s, which never connects:
a use case that reached past the fakes would fail instead of passing. The
URLs are IP literals, so the resolver is never asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from coop_shared.auth.principal import Principal, Role
from coop_shared.clock import FakeClock
from coop_shared.errors import Conflict, Forbidden, InvalidValue
from coop_shared.testing.memory import memory_runtime
from notifications.adapters.dns import DnsResolver
from notifications.adapters.rendering import TemplateRenderer
from notifications.adapters.secret_box import SecretBox
from notifications.config import NotificationsSettings
from notifications.service_layer.context import Context
from notifications.service_layer.webhooks import TEST_EVENT_TYPE, Registration, register_endpoint, send_test_event

from .fakes import FakeEndpointRepository, FakeWebhookDeliveryRepository

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
URL = "https://93.184.216.34/hooks/coop"
INVOICE_ISSUED, INVOICE_PAID = "invoicing.invoice.issued.v1", "invoicing.invoice.paid.v1"
PARTNER = Principal("key-acme", Role.PARTNER, scopes=frozenset({"invoices:read"}),
                    activities=frozenset({"act-2", "act-1"}))


@dataclass
class Webhooks:
    ctx: Context
    endpoints: FakeEndpointRepository
    deliveries: FakeWebhookDeliveryRepository


@pytest.fixture
def webhooks() -> Webhooks:
    settings = NotificationsSettings()
    clock = FakeClock(NOW)
    runtime = memory_runtime(settings, clock)
    endpoints, deliveries = FakeEndpointRepository(), FakeWebhookDeliveryRepository()
    ctx = Context(settings=settings, mongo=runtime.mongo, db=runtime.db, renderer=TemplateRenderer(),
                  resolver=DnsResolver(), secrets=SecretBox(settings.webhook_key), runtime=runtime, clock=clock,
                  endpoint_repository=endpoints, webhook_delivery_repository=deliveries)
    return Webhooks(ctx, endpoints, deliveries)


async def register(webhooks: Webhooks, principal: Principal = PARTNER, *, url: str = URL,
                   event_types: tuple[str, ...] = (INVOICE_PAID, INVOICE_ISSUED, INVOICE_PAID),
                   key: str | None = "idem-1") -> Registration:
    return await register_endpoint(webhooks.ctx, principal, url=url, event_types=list(event_types),
                                   description="Accounting sync", idempotency_key=key)


async def test_a_partner_registers_an_endpoint_whose_secret_is_shown_once_and_stored_sealed(
        webhooks: Webhooks) -> None:
    registration = await register(webhooks)

    assert not registration.replayed and registration.secret is not None
    endpoint_id = registration.endpoint["_id"]
    stored = webhooks.endpoints.endpoints[endpoint_id]
    assert stored == registration.endpoint
    assert {k: v for k, v in stored.items() if k not in ("_id", "secret")} == {
        "owner_id": "key-acme", "url": URL, "event_types": [INVOICE_ISSUED, INVOICE_PAID],
        "description": "Accounting sync", "status": "active", "active_key": "active", "idempotency_key": "idem-1",
        "secret_hint": registration.secret[-4:], "scopes": ["invoices:read"], "enabled": True,
        "activities": ["act-1", "act-2"], "created_at": NOW, "updated_at": NOW,
    }
    assert stored["secret"] != registration.secret
    assert webhooks.ctx.secrets.open(stored["secret"], endpoint_id) == registration.secret


async def test_the_same_idempotency_key_returns_the_first_endpoint_without_its_secret(webhooks: Webhooks) -> None:
    first = await register(webhooks)
    again = await register(webhooks)

    assert again.replayed and again.secret is None and again.endpoint == first.endpoint
    assert list(webhooks.endpoints.endpoints) == [first.endpoint["_id"]]
    with pytest.raises(InvalidValue) as reused:
        await register(webhooks, event_types=(INVOICE_PAID,))
    assert (reused.value.code, reused.value.field) == ("idempotency_key_reused", "Idempotency-Key")


@pytest.mark.parametrize("url", ["https://10.0.0.7/hooks", "https://169.254.169.254/latest", "http://93.184.216.34/"])
async def test_an_endpoint_webhooks_may_not_reach_is_refused_and_nothing_is_stored(
        webhooks: Webhooks, url: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        await register(webhooks, url=url)

    assert (refused.value.code, refused.value.field) == ("url_not_allowed", "url")
    assert webhooks.endpoints.endpoints == {}


async def test_an_event_type_beyond_the_keys_scopes_is_refused(webhooks: Webhooks) -> None:
    with pytest.raises(Forbidden) as refused:
        await register(webhooks, event_types=(INVOICE_PAID, "payroll.contract.created.v1"))

    assert (refused.value.code, refused.value.field) == ("insufficient_scope", "event_types.1")
    assert webhooks.endpoints.endpoints == {}


async def test_a_url_registered_twice_is_a_conflict(webhooks: Webhooks) -> None:
    first = await register(webhooks)
    with pytest.raises(Conflict) as refused:
        await register(webhooks, key="idem-2")

    assert (refused.value.code, refused.value.field) == ("endpoint_exists", "url")
    assert list(webhooks.endpoints.endpoints) == [first.endpoint["_id"]]


async def test_the_endpoint_limit_is_kept(webhooks: Webhooks) -> None:
    webhooks.ctx = replace(webhooks.ctx, settings=webhooks.ctx.settings.model_copy(
        update={"webhook_max_endpoints_per_owner": 1}))
    await register(webhooks)
    with pytest.raises(Conflict) as refused:
        await register(webhooks, url="https://93.184.216.35/hooks", key="idem-2")

    assert refused.value.code == "endpoint_limit"
    assert len(webhooks.endpoints.endpoints) == 1


async def test_a_test_event_is_queued_for_the_endpoint_and_wakes_the_sender(webhooks: Webhooks) -> None:
    endpoint_id = (await register(webhooks)).endpoint["_id"]

    delivery = await send_test_event(webhooks.ctx, PARTNER, endpoint_id)

    assert webhooks.deliveries.deliveries == {delivery["_id"]: delivery}
    body = json.loads(delivery.pop("body"))
    assert {k: v for k, v in delivery.items() if k != "_id"} == {
        "endpoint_id": endpoint_id, "owner_id": "key-acme", "event_id": body["id"], "event_type": TEST_EVENT_TYPE,
        "status": "pending", "attempts": 0, "attempt_log": [], "next_attempt_at": NOW,
        "created_at": NOW, "updated_at": NOW,
    }
    assert (body["type"], body["source"], body["subject"]) == (TEST_EVENT_TYPE, "notifications", endpoint_id)
    assert body["data"] == {"endpoint_id": endpoint_id, "message": "A test event: no action needed."}
    assert webhooks.ctx.webhook_wakeup.is_set()


async def test_a_test_event_to_a_disabled_endpoint_is_refused_and_nothing_is_queued(webhooks: Webhooks) -> None:
    endpoint_id = (await register(webhooks)).endpoint["_id"]
    webhooks.endpoints.endpoints[endpoint_id]["enabled"] = False

    with pytest.raises(Conflict) as refused:
        await send_test_event(webhooks.ctx, PARTNER, endpoint_id)

    assert refused.value.code == "endpoint_disabled"
    assert webhooks.deliveries.deliveries == {} and not webhooks.ctx.webhook_wakeup.is_set()
