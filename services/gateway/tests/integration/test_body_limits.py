"""Body limits at the gateway: refused with 413 before anything reaches the service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing

MIB = 1024 * 1024


def invoicing_requests() -> float:
    """Requests the invoicing service has served, whatever their answer."""
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "coop_http_requests":
            total += sum(s.value for s in metric.samples
                         if s.name == "coop_http_requests_total" and s.labels.get("service") == "invoicing")
    return total


@pytest.fixture
async def gateway(settings_for: Callable[..., Any], signing_key: SigningKey) -> AsyncIterator[httpx.AsyncClient]:
    async with AsyncExitStack() as exits:
        port = free_port()
        invoicing = trust_test_key(create_invoicing(settings_for(InvoicingSettings)), signing_key)
        url = await exits.enter_async_context(serving(invoicing, port))
        settings = settings_for(GatewaySettings, invoicing_url=url)  # default limits: 1 MiB JSON
        app = trust_test_key(create_gateway(settings), signing_key)
        yield await exits.enter_async_context(running(app))


def invoice_body(size: int) -> bytes:
    padding = "x" * size
    return json.dumps({"client_id": "c-1", "lines": [{"description": padding}]}).encode()


async def test_a_2_mib_json_body_is_413_at_the_gateway_and_never_reaches_invoicing(
    gateway: httpx.AsyncClient, token_for: Callable[..., Any],
) -> None:
    headers = {**token_for("member-1"), "Content-Type": "application/json"}
    before = invoicing_requests()
    response = await gateway.post("/api/v1/invoices", headers=headers, content=invoice_body(2 * MIB))
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and error["field"] == "body"
    assert invoicing_requests() == before

    # Within the limit, the same route is forwarded (the service judges the content).
    small = await gateway.post("/api/v1/invoices", headers=headers, content=invoice_body(1000))
    assert small.status_code != 413
    assert invoicing_requests() == before + 1


async def test_a_chunked_body_over_the_limit_is_counted_and_refused(
    gateway: httpx.AsyncClient, token_for: Callable[..., Any],
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 64 * 1024  # 2.5 MiB in all, no Content-Length

    headers = {**token_for("member-1"), "Content-Type": "application/json"}
    before = invoicing_requests()
    response = await gateway.post("/api/v1/invoices", headers=headers, content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert invoicing_requests() == before


async def test_upload_routes_take_larger_bodies(gateway: httpx.AsyncClient, token_for: Callable[..., Any]) -> None:
    headers = token_for("member-1")
    before = invoicing_requests()
    files = {"file": ("statement.xml", b"<x/>" * (MIB // 2), "application/xml")}  # 2 MiB file
    response = await gateway.post("/api/v1/bank-statements", headers=headers, files=files)
    assert response.status_code != 413  # forwarded: the service decides (this member may not import)
    assert invoicing_requests() == before + 1
    too_big = {"file": ("statement.xml", b"<x/>" * (3 * MIB), "application/xml")}  # 12 MiB
    refused = await gateway.post("/api/v1/bank-statements", headers=headers, files=too_big)
    assert refused.status_code == 413
    assert invoicing_requests() == before + 1
