"""One request through the gateway is one trace: gateway → invoicing (HTTP,
traceparent by httpx) → its outbox → the relay's publish (traceparent kept on
the outbox document) → RabbitMQ (traceparent in the message headers) → the
payroll and notifications consumers and their database calls."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from coop_shared.auth.tokens import SigningKey
from coop_shared.messaging.envelope import Envelope
from coop_shared.observability import tracing
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from invoicing.service_layer.handlers import build_handlers as invoicing_handlers
from notifications.config import NotificationsSettings
from notifications.main import create_app as create_notifications
from notifications.service_layer.handlers import build_handlers as notifications_handlers
from payroll.config import PayrollSettings
from payroll.main import create_app as create_payroll
from payroll.service_layer.handlers import build_handlers as payroll_handlers

ISSUED = "invoicing.invoice.issued.v1"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    tracing.add_span_processor(processor)
    try:
        yield exporter
    finally:
        tracing.remove_span_processor(processor)
        tracing.uninstrument_clients()
        exporter.shutdown()


async def _deliver(app: FastAPI, handlers: Any, event_type: str, data: dict[str, Any]) -> None:
    envelope = Envelope(id=str(uuid.uuid4()), type=event_type, source="members", data=data, time=datetime.now(UTC))
    handler = handlers(app.state.runtime).get(event_type)
    if handler is not None:
        await handler(envelope)


@pytest.fixture
async def traced(spans: InMemorySpanExporter, settings_for: Callable[..., Any], signing_key: SigningKey
                 ) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, FastAPI]]]:
    async with AsyncExitStack() as exits:
        apps = {
            "invoicing": trust_test_key(create_invoicing(settings_for(InvoicingSettings)), signing_key),
            "payroll": trust_test_key(create_payroll(settings_for(PayrollSettings)), signing_key),
            "notifications": trust_test_key(create_notifications(settings_for(NotificationsSettings)), signing_key),
        }
        urls = {f"{name}_url": await exits.enter_async_context(serving(app, free_port()))
                for name, app in apps.items()}
        # Members and governance are not part of this journey.
        urls |= {"members_url": f"http://127.0.0.1:{free_port()}", "governance_url": f"http://127.0.0.1:{free_port()}"}
        gateway = trust_test_key(create_gateway(settings_for(GatewaySettings, **urls)), signing_key)
        yield await exits.enter_async_context(running(gateway)), apps


async def test_issuing_an_invoice_through_the_gateway_is_one_trace(
        traced: tuple[httpx.AsyncClient, dict[str, FastAPI]], spans: InMemorySpanExporter,
        token_for: Callable[..., dict[str, str]]) -> None:
    gateway, apps = traced
    member_id, activity_id = f"m-{uuid.uuid4().hex[:8]}", f"a-{uuid.uuid4().hex[:8]}"
    every = {name: (apps[name], build) for name, build in (
        ("invoicing", invoicing_handlers), ("payroll", payroll_handlers), ("notifications", notifications_handlers))}
    for app, build in every.values():
        await _deliver(app, build, "members.member.registered.v1", {
            "member_id": member_id, "email": f"{member_id}@example.be", "full_name": f"Member {member_id}",
            "language": "fr", "role": "member", "iban": "BE62510007547061"})
    await _deliver(apps["invoicing"], invoicing_handlers, "members.share.paid.v1", {
        "member_id": member_id, "shares_paid": 1, "shares_required": 1, "in_good_standing": True,
        "usage_started_on": None, "entry_id": str(uuid.uuid4()), "subscription_id": str(uuid.uuid4()),
        "category": "A", "quantity": 1, "amount": "30.00", "paid_at": datetime.now(UTC).isoformat()})
    for app, build in every.values():
        await _deliver(app, build, "members.activity.opened.v1", {
            "activity_id": activity_id, "name": f"Activity {activity_id}", "sector": "arts_and_culture",
            "owner_id": member_id, "co_manager_ids": [], "kind": "individual", "budget_manager_id": member_id,
            "status": "open", "opened_at": datetime.now(UTC).isoformat()})
    headers = token_for(member_id)
    client = await gateway.post("/api/v1/clients", headers=headers, json={
        "kind": "company", "name": "Théâtre de la Lune SRL", "email": "compta@theatre-lune.example",
        "language": "fr", "vat_number": "BE0765432146", "activity_id": activity_id,
        "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"}})
    assert client.status_code == 201, client.text
    draft = await gateway.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity_id, "client_id": client.json()["id"],
        "lines": [{"description": "Création sonore", "quantity": "10", "unit": "HUR", "unit_price": "65.00",
                   "vat_rate": "21"}]})
    assert draft.status_code == 201, draft.text
    await asyncio.sleep(0.5)  # let the draft's own events settle before the traced request
    spans.clear()

    issued = await gateway.post(f"/api/v1/invoices/{draft.json()['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text

    def of(service: str, kind: SpanKind, name: str) -> list[ReadableSpan]:
        return [s for s in spans.get_finished_spans()
                if s.resource.attributes.get("service.name") == service and s.kind == kind and name in s.name]

    deadline = asyncio.get_running_loop().time() + 15
    while not (of("payroll", SpanKind.CONSUMER, f"{ISSUED} process")
               and of("notifications", SpanKind.CONSUMER, f"{ISSUED} process")):
        assert asyncio.get_running_loop().time() < deadline, [s.name for s in spans.get_finished_spans()]
        await asyncio.sleep(0.1)

    # The request's root span (the gateway names it by its catch-all route).
    gateway_span = [s for s in of("gateway", SpanKind.SERVER, "POST") if s.parent is None]
    assert len(gateway_span) == 1, [s.name for s in spans.get_finished_spans()]
    trace_id = gateway_span[0].context.trace_id
    invoicing_server = of("invoicing", SpanKind.SERVER, "POST")
    publish = of("invoicing", SpanKind.PRODUCER, f"{ISSUED} publish")
    consumers = {service: of(service, SpanKind.CONSUMER, f"{ISSUED} process")
                 for service in ("payroll", "notifications")}
    assert invoicing_server and publish and all(consumers.values())
    for span in [*invoicing_server, *publish, *consumers["payroll"], *consumers["notifications"]]:
        assert span.context.trace_id == trace_id, span.name
    # The gateway's outgoing call is the parent of invoicing's server span.
    clients = {s.context.span_id for s in spans.get_finished_spans()
               if s.kind == SpanKind.CLIENT and s.context.trace_id == trace_id}
    assert any(s.parent is not None and s.parent.span_id in clients for s in invoicing_server)
    # The consumers' database calls belong to their spans.
    in_trace = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    for service, spans_of in consumers.items():
        ids = {s.context.span_id for s in spans_of}
        assert any((s.attributes or {}).get("db.system") and _descends(s, ids, in_trace) for s in in_trace), service


def _descends(span: ReadableSpan, ancestors: set[int], spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    parent = span.parent
    while parent is not None:
        if parent.span_id in ancestors:
            return True
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return False
