"""Partner webhook endpoints and their delivery logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from coop_shared.http.pagination import Page, PageParams, page_params
from notifications.domain.signing import SIGNATURE_HEADER
from notifications.entrypoints.api.dependencies import ContextDep, WebhookManager, next_cursor, position
from notifications.service_layer import webhooks as use_cases

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

EndpointId = Annotated[str, Path(min_length=1, max_length=64)]


class EndpointIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, examples=["https://hooks.partner.example/coop"],
                     description="https only; must resolve to public addresses.")
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=50, examples=[["members.member.registered.v1"]])
    description: str | None = Field(default=None, max_length=200)


class EndpointOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None = None
    secret_hint: str = Field(description="Last characters of the secret, to tell secrets apart.")
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str | None = Field(description=(
        f"Signing secret, shown only in this answer (null on an idempotent replay). Verify "
        f"`{SIGNATURE_HEADER}: t=<unix>,v1=<hex>` as HMAC-SHA256(secret, t + '.' + body)."))


class Attempt(BaseModel):
    at: datetime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int
    next_attempt_at: datetime | None = None


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: Literal["pending", "sending", "delivered", "dead_lettered", "cancelled"]
    attempts: int
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None
    dead_lettered_at: datetime | None = None
    attempt_log: list[Attempt]


def _endpoint(doc: dict[str, Any]) -> EndpointOut:
    return EndpointOut(id=doc["_id"], url=doc["url"], event_types=doc["event_types"],
                       description=doc.get("description"), secret_hint=doc.get("secret_hint", ""),
                       created_at=doc["created_at"])


def _delivery(doc: dict[str, Any]) -> DeliveryOut:
    pending = doc["status"] == "pending"
    return DeliveryOut(id=doc["_id"], event_id=doc["event_id"], event_type=doc["event_type"], status=doc["status"],
                       attempts=doc.get("attempts", 0), next_attempt_at=doc.get("next_attempt_at") if pending else None,
                       last_status_code=doc.get("last_status_code"), last_error=doc.get("last_error"),
                       created_at=doc["created_at"], delivered_at=doc.get("delivered_at"),
                       dead_lettered_at=doc.get("dead_lettered_at"),
                       attempt_log=[Attempt(**a) for a in doc.get("attempt_log", [])])


@router.post("", status_code=201, response_model=EndpointCreated, summary="Register an endpoint",
             responses={200: {"description": "Idempotent replay (no secret)"},
                        422: {"description": "Refused URL (field `url`) or event type"}})
async def register(ctx: ContextDep, principal: WebhookManager, body: EndpointIn,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                  max_length=200)] = None) -> JSONResponse:
    registration = await use_cases.register_endpoint(ctx, principal, url=body.url, event_types=body.event_types,
                                                     description=body.description,
                                                     idempotency_key=idempotency_key)
    created = EndpointCreated(**_endpoint(registration.endpoint).model_dump(), secret=registration.secret)
    if registration.replayed:
        return JSONResponse(created.model_dump(mode="json"), status_code=200,
                            headers={"Idempotent-Replayed": "true"})
    return JSONResponse(created.model_dump(mode="json"), status_code=201)


@router.get("", response_model=Page[EndpointOut], summary="My endpoints (all of them for an admin)")
async def list_endpoints(ctx: ContextDep, principal: WebhookManager,
                         page: Annotated[PageParams, Depends(page_params)]) -> Page[EndpointOut]:
    docs = await ctx.endpoints.list_active(None if principal.is_admin else principal.id, limit=page.limit + 1,
                                    before=position(page.cursor))
    items = [_endpoint(d) for d in docs[: page.limit]]
    more = len(docs) > page.limit
    return Page(items=items, next_cursor=next_cursor(items[-1].created_at, items[-1].id) if more else None)


@router.delete("/{endpoint_id}", status_code=204, summary="Delete an endpoint (pending deliveries are cancelled)")
async def delete(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId) -> Response:
    await use_cases.delete_endpoint(ctx, principal, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/deliveries", response_model=Page[DeliveryOut], summary="Delivery log, newest first")
async def deliveries(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId,
                     page: Annotated[PageParams, Depends(page_params)],
                     status: Annotated[Literal["pending", "sending", "delivered", "dead_lettered", "cancelled"] | None,
                                       Query()] = None) -> Page[DeliveryOut]:
    endpoint = await use_cases.owned_endpoint(ctx, principal, endpoint_id)
    docs = await ctx.webhook_deliveries.list_for_endpoint(endpoint["_id"], status=status, limit=page.limit + 1,
                                                          before=position(page.cursor))
    items = [_delivery(d) for d in docs[: page.limit]]
    more = len(docs) > page.limit
    return Page(items=items, next_cursor=next_cursor(items[-1].created_at, items[-1].id) if more else None)
