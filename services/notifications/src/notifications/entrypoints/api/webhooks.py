"""Partner webhook endpoints and their delivery logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from coop_shared.http.idempotency import IdempotencyKey
from coop_shared.http.pagination import Page, PageParams, page_params
from coop_shared.persistence.keyset import cursor_at, position
from notifications.domain.catalogue import partner_event_types
from notifications.entrypoints.api.deps import ContextDep, WebhookManager
from notifications.service_layer import webhooks as use_cases

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

EndpointId = Annotated[str, Path(min_length=1, max_length=64)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64)]


class EndpointIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, examples=["https://hooks.partner.example/coop"],
                     description="https only; must resolve to public addresses.")
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=50, examples=[["members.member.registered.v1"]])
    description: str | None = Field(default=None, max_length=200)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    event_types: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, min_length=1,
                                                                           max_length=50)
    enabled: bool | None = Field(default=None, description="false pauses the endpoint: pending deliveries are "
                                 "cancelled and events meanwhile are not queued.")
    description: str | None = Field(default=None, max_length=200)


class EndpointOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None = None
    enabled: bool = True
    secret_hint: str = Field(description="Last characters of the secret, to tell secrets apart.")
    previous_secret_valid_until: datetime | None = Field(
        default=None, description="After a rotation: until then, deliveries carry a signature with each secret.")
    activities: list[str] | None = Field(
        default=None, description="Registered by a key bound to these activities: only events about them are "
                                  "delivered. Null: every event of the subscribed types.")
    created_at: datetime


_VERIFY = ("Standard Webhooks (standardwebhooks.com): verify `webhook-signature` (`v1,<base64>`, "
           "HMAC-SHA256 over `webhook-id.webhook-timestamp.body`) with any Standard Webhooks library.")


class EndpointCreated(EndpointOut):
    secret: str | None = Field(description=(
        "Signing secret `whsec_<base64>`, shown only in this answer (null on an idempotent replay). " + _VERIFY))


class SecretRotated(EndpointOut):
    secret: str = Field(description="The new signing secret, shown only in this answer. " + _VERIFY)


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int | None = Field(default=None, ge=0, le=30 * 86400, description=(
        "How long deliveries are signed with the old secret too (default WEBHOOK_SECRET_OVERLAP_SECONDS)."))


class EventTypeOut(BaseModel):
    event_type: str
    scope: str = Field(description="The scope a partner key needs to subscribe.")


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


def _endpoint(doc: dict[str, Any], now: datetime) -> EndpointOut:
    until = doc.get("previous_secret_expires_at")
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return EndpointOut(id=doc["_id"], url=doc["url"], event_types=doc["event_types"],
                       description=doc.get("description"), enabled=doc.get("enabled", True) is not False,
                       secret_hint=doc.get("secret_hint", ""),
                       previous_secret_valid_until=until if until is not None and until > now else None,
                       activities=doc.get("activities"), created_at=doc["created_at"])


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
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    registration = await use_cases.register_endpoint(ctx, principal, url=body.url, event_types=body.event_types,
                                                     description=body.description,
                                                     idempotency_key=idempotency_key)
    created = EndpointCreated(**_endpoint(registration.endpoint, ctx.clock.now()).model_dump(),
                              secret=registration.secret)
    if registration.replayed:
        return JSONResponse(created.model_dump(mode="json"), status_code=200,
                            headers={"Idempotent-Replayed": "true"})
    return JSONResponse(created.model_dump(mode="json"), status_code=201)


@router.get("", response_model=Page[EndpointOut], summary="My endpoints (all of them for an admin)")
async def list_endpoints(ctx: ContextDep, principal: WebhookManager,
                         page: Annotated[PageParams, Depends(page_params)]) -> Page[EndpointOut]:
    docs = await ctx.endpoints.list_active(None if principal.is_admin else principal.id, limit=page.limit + 1,
                                    before=position(page.cursor))
    items = [_endpoint(d, ctx.clock.now()) for d in docs[: page.limit]]
    more = len(docs) > page.limit
    return Page(items=items, next_cursor=cursor_at(items[-1].created_at, items[-1].id) if more else None)


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
    return Page(items=items, next_cursor=cursor_at(items[-1].created_at, items[-1].id) if more else None)


@router.get("/event-types", response_model=list[EventTypeOut], summary="Event types an endpoint may subscribe to")
async def event_types(principal: WebhookManager) -> list[EventTypeOut]:
    return [EventTypeOut(event_type=t, scope=scope) for t, scope in sorted(partner_event_types().items())]


@router.get("/{endpoint_id}", response_model=EndpointOut, summary="One endpoint")
async def get_endpoint(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId) -> EndpointOut:
    return _endpoint(await use_cases.owned_endpoint(ctx, principal, endpoint_id), ctx.clock.now())


@router.patch("/{endpoint_id}", response_model=EndpointOut, summary="Change the URL, event types or enabled flag",
              responses={409: {"description": "The URL is already registered (field `url`)"},
                         422: {"description": "Refused URL (field `url`) or event type"}})
async def patch_endpoint(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId,
                         body: EndpointPatch) -> EndpointOut:
    updated = await use_cases.change_endpoint(
        ctx, principal, endpoint_id, url=body.url, event_types=body.event_types, enabled=body.enabled,
        description=body.description, description_set="description" in body.model_fields_set)
    return _endpoint(updated, ctx.clock.now())


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretRotated,
             summary="New signing secret; the old one keeps signing for the overlap")
async def rotate_secret(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId,
                        body: RotateIn | None = None) -> SecretRotated:
    rotation = await use_cases.rotate_secret(ctx, principal, endpoint_id,
                                             body.overlap_seconds if body is not None else None)
    return SecretRotated(**_endpoint(rotation.endpoint, ctx.clock.now()).model_dump(), secret=rotation.secret)


@router.post("/{endpoint_id}/test", status_code=202, response_model=DeliveryOut,
             summary="Send a notifications.webhook.test.v1 event to this endpoint",
             responses={409: {"description": "The endpoint is disabled (`endpoint_disabled`)"}})
async def send_test(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId) -> DeliveryOut:
    return _delivery(await use_cases.send_test_event(ctx, principal, endpoint_id))


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver", status_code=202, response_model=DeliveryOut,
             summary="Send a delivered, dead-lettered or cancelled delivery again (same webhook-id)",
             responses={409: {"description": "Still pending or being sent (`delivery_in_progress`), "
                                             "or the endpoint is disabled"}})
async def redeliver(ctx: ContextDep, principal: WebhookManager, endpoint_id: EndpointId,
                    delivery_id: DeliveryId) -> DeliveryOut:
    return _delivery(await use_cases.redeliver(ctx, principal, endpoint_id, delivery_id))
