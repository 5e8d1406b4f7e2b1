"""Envelope fields, context ids, the JSON error format and cursors (no I/O)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from coop_shared.errors import Conflict, DomainError, Forbidden, Gone, InvalidValue, NotFound
from coop_shared.http.errors import ApiError, install_error_handlers
from coop_shared.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from coop_shared.http.pagination import decode_cursor, encode_cursor
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.messaging.publisher import to_message
from coop_shared.observability.context import bind_ids


class Paid(EventPayload):
    event_type: ClassVar[str] = "invoicing.invoice.paid.v1"
    amount: Decimal


def test_envelope_uses_cloudevents_names_and_context_ids() -> None:
    bind_ids(request_id="req-1", correlation_id="corr-1")
    event = new_event(Paid(amount=Decimal("10.10")), source="invoicing", subject="inv-1")
    data = event.model_dump(mode="json")
    assert set(data) >= {"id", "type", "source", "time", "subject", "datacontenttype", "data",
                         "correlationid", "causationid", "specversion"}
    assert data["correlationid"] == "corr-1"
    assert data["causationid"] == "req-1"
    assert data["data"]["amount"] == "10.10"  # money travels as a string, never a float
    assert Envelope.from_json(event.to_json()).payload(Paid).amount == Decimal("10.10")


def test_amqp_message_is_persistent_and_carries_ids() -> None:
    bind_ids(request_id="req-2", correlation_id="corr-2")
    event = new_event(Paid(amount=Decimal("1")), source="invoicing")
    message = to_message(event)
    assert message.message_id == event.id
    assert message.delivery_mode == 2
    assert message.headers["correlationid"] == "corr-2"
    assert message.type == "invoicing.invoice.paid.v1"


def test_consumers_ignore_unknown_fields() -> None:
    assert Paid.model_validate({"amount": "2.00", "added_later": True}).amount == Decimal("2.00")


class Body(BaseModel):
    iban: str
    amount: Decimal


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, service_name="test")
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=100)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        if body.amount < 0:
            raise ApiError(409, "negative_amount", "Amount must be positive.", field="amount")
        return {"ok": "yes"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(), raise_app_exceptions=False),
                             base_url="http://t")


async def test_validation_error_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"amount": "1"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "iban"
    assert response.json()["error"]["code"] == "validation_error"
    assert response.headers["X-Request-ID"]


async def test_api_error_and_request_id_round_trip(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"iban": "x", "amount": "-1"}, headers={"X-Request-ID": "abc"})
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "negative_amount", "message": "Amount must be positive.",
                                        "field": "amount", "request_id": "abc"}
    assert response.headers["X-Request-ID"] == "abc"


async def test_unexpected_error_is_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["error"]["code"] == "internal_error"


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content=b"x" * 500, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor({"id": "a", "t": 1})) == {"id": "a", "t": 1}
    with pytest.raises(ApiError) as error:
        decode_cursor("!!!not-a-cursor")
    assert error.value.field == "cursor"


class _LinkExpired(Gone):
    """A service's own kind of an error family member keeps its family's status."""


@pytest.mark.parametrize(("error", "status"), [
    (InvalidValue("invoice.amount_negative", "The amount cannot be negative.", "amount"), 422),
    (NotFound("invoice_not_found", "No such invoice.", "invoice_id"), 404),
    (Forbidden("not_advisor", "Only an advisor approves."), 403),
    (Conflict("invoice.not_issued", "Issue it first.", "status"), 409),
    (_LinkExpired("link_expired", "This link has expired.", "token"), 410),
    (DomainError("rule_broken", "A rule of no listed kind."), 422),
])
async def test_the_error_family_is_answered_with_one_status_per_kind(error: DomainError, status: int) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fails")
    async def fails() -> None:
        raise error

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/fails")
    assert answer.status_code == status
    body = answer.json()["error"]
    assert (body["code"], body["message"], body.get("field")) == (error.code, error.message, error.field)
