"""Partners' webhook endpoints: register (secret shown once), change, rotate
their secret, send a test event, redeliver, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.errors import Conflict, Forbidden, InvalidValue, NotFound
from coop_shared.messaging.envelope import Envelope
from notifications.adapters.dns import ResolutionFailed
from notifications.adapters.webhook_repository import ACTIVE
from notifications.domain.addresses import IPAddress, TargetRefused, WebhookTarget, check_addresses, parse_target
from notifications.domain.catalogue import partner_event_types
from notifications.domain.signing import new_secret
from notifications.service_layer.context import Context
from notifications.service_layer.notify import webhook_delivery

TEST_EVENT_TYPE = "notifications.webhook.test.v1"


@dataclass(frozen=True)
class Registration:
    endpoint: dict[str, Any]
    secret: str | None  # only in the answer that created the endpoint
    replayed: bool


async def checked_target(ctx: Context, url: str) -> tuple[WebhookTarget, list[IPAddress]]:
    """The target and the addresses it may be reached at, or TargetRefused."""
    allow_private = ctx.settings.webhook_allow_private_targets
    target = parse_target(url, allow_private=allow_private)
    if target.ip is not None:
        addresses = [target.ip]
    else:
        try:
            addresses = await ctx.resolver.resolve(target.host, target.port)
        except ResolutionFailed as exc:
            raise TargetRefused("url_unresolvable", f"The URL's host does not resolve ({exc}).") from exc
    check_addresses(addresses, allow_private=allow_private)
    return target, addresses


def _check_event_types(principal: Principal, event_types: Sequence[str]) -> list[str]:
    offered = partner_event_types()
    for index, event_type in enumerate(event_types):
        field = f"event_types.{index}"
        scope = offered.get(event_type)
        if scope is None:
            raise InvalidValue("unknown_event_type", f"{event_type!r} is not offered to webhooks; "
                                 f"known: {', '.join(sorted(offered))}.", field=field)
        if not principal.has_scope(scope):
            raise Forbidden("insufficient_scope", f"Receiving {event_type} needs the scope {scope!r}.", field=field)
    return sorted(set(event_types))


def _replay(existing: dict[str, Any], url: str, event_types: list[str]) -> Registration:
    if existing["url"] != url or existing["event_types"] != event_types:
        raise InvalidValue("idempotency_key_reused", "This Idempotency-Key was used with a different request.",
                             field="Idempotency-Key")
    return Registration(existing, None, True)


async def register_endpoint(ctx: Context, principal: Principal, *, url: str, event_types: Sequence[str],
                            description: str | None, idempotency_key: str | None) -> Registration:
    types = _check_event_types(principal, event_types)
    endpoints = ctx.endpoints
    if idempotency_key is not None:
        existing = await endpoints.by_idempotency_key(principal.id, idempotency_key)
        if existing is not None:
            return _replay(existing, url, types)
    if await endpoints.count_active(principal.id) >= ctx.settings.webhook_max_endpoints_per_owner:
        raise Conflict("endpoint_limit", "The maximum number of webhook endpoints is reached; delete one first.")
    try:
        await checked_target(ctx, url)
    except TargetRefused as exc:
        raise InvalidValue(exc.code, exc.message, field="url") from exc
    endpoint_id = str(uuid.uuid4())
    secret = new_secret()
    now = ctx.clock.now()
    doc = {
        "_id": endpoint_id, "owner_id": principal.id, "url": url, "event_types": types,
        "description": description, "status": ACTIVE, "active_key": ACTIVE,
        # Without a key the endpoint's own id keeps the unique index satisfied.
        "idempotency_key": idempotency_key or endpoint_id,
        "secret": ctx.secrets.seal(secret, endpoint_id), "secret_hint": secret[-4:],
        # What the registering key may read: decides what member data its deliveries carry.
        "scopes": _granted(principal), "enabled": True,
        # A key bound to some activities hears only about them.
        "activities": None if principal.activities is None else sorted(principal.activities),
        "created_at": now, "updated_at": now,
    }
    try:
        await endpoints.add(doc)
    except DuplicateKeyError as exc:
        if idempotency_key is not None and "endpoint_idempotency_unique" in str(exc):
            existing = await endpoints.by_idempotency_key(principal.id, idempotency_key)
            if existing is not None:  # a concurrent twin of this request won
                return _replay(existing, url, types)
        raise Conflict("endpoint_exists", "This URL is already registered.", field="url") from exc
    return Registration(doc, secret, False)


async def owned_endpoint(ctx: Context, principal: Principal, endpoint_id: str) -> dict[str, Any]:
    """The endpoint if the caller owns it (an admin owns all); 404 otherwise."""
    endpoint = await ctx.endpoints.get(endpoint_id)
    if endpoint is None or (not principal.is_admin and endpoint["owner_id"] != principal.id):
        raise NotFound("not_found", "No such webhook endpoint.")
    return endpoint


def _granted(principal: Principal) -> list[str]:
    if principal.is_admin:
        return sorted(set(partner_event_types().values()))
    return sorted(principal.scopes)


async def _check_url(ctx: Context, url: str) -> None:
    try:
        await checked_target(ctx, url)
    except TargetRefused as exc:
        raise InvalidValue(exc.code, exc.message, field="url") from exc


async def change_endpoint(ctx: Context, principal: Principal, endpoint_id: str, *, url: str | None,
                          event_types: Sequence[str] | None, enabled: bool | None,
                          description: str | None, description_set: bool) -> dict[str, Any]:
    """PATCH: only the fields sent change. Disabling cancels what is pending;
    events that happen while disabled are not queued."""
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    changes: dict[str, Any] = {}
    if url is not None and url != endpoint["url"]:
        await _check_url(ctx, url)
        changes["url"] = url
    if event_types is not None:
        changes["event_types"] = _check_event_types(principal, event_types)
    if enabled is not None:
        changes["enabled"] = enabled
    if description_set:
        changes["description"] = description
    if not changes:
        return endpoint
    now = ctx.clock.now()
    changes["updated_at"] = now
    try:
        updated = await ctx.endpoints.update(endpoint["_id"], changes)
    except DuplicateKeyError as exc:
        raise Conflict("endpoint_exists", "This URL is already registered.", field="url") from exc
    if updated is None:
        raise NotFound("not_found", "No such webhook endpoint.")
    if enabled is False:
        await ctx.webhook_deliveries.cancel_pending(endpoint["_id"], now)
    return updated


@dataclass(frozen=True)
class Rotation:
    endpoint: dict[str, Any]
    secret: str
    previous_valid_until: datetime


async def rotate_secret(ctx: Context, principal: Principal, endpoint_id: str,
                        overlap_seconds: int | None) -> Rotation:
    """A new secret; for the overlap, deliveries carry a signature with each,
    so the partner can switch its receiver without missing one."""
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    overlap = ctx.settings.webhook_secret_overlap_seconds if overlap_seconds is None else overlap_seconds
    now = ctx.clock.now()
    until = now + timedelta(seconds=overlap)
    secret = new_secret()
    updated = await ctx.endpoints.update(endpoint["_id"], {
        "secret": ctx.secrets.seal(secret, endpoint["_id"]), "secret_hint": secret[-4:],
        "previous_secret": endpoint["secret"], "previous_secret_expires_at": until,
        "secret_rotated_at": now, "updated_at": now,
    })
    if updated is None:
        raise NotFound("not_found", "No such webhook endpoint.")
    return Rotation(updated, secret, until)


async def send_test_event(ctx: Context, principal: Principal, endpoint_id: str) -> dict[str, Any]:
    """Queue a ``notifications.webhook.test.v1`` event to this endpoint only,
    signed and retried like any other."""
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    if endpoint.get("enabled") is False:
        raise Conflict("endpoint_disabled", "Enable the endpoint before sending it a test event.")
    envelope = Envelope(id=str(uuid.uuid4()), type=TEST_EVENT_TYPE, source="notifications",
                        subject=endpoint["_id"],
                        data={"endpoint_id": endpoint["_id"], "message": "A test event: no action needed."})
    delivery = webhook_delivery(endpoint, envelope.id, envelope.type, envelope.to_json().decode(),
                                ctx.clock.now())
    await ctx.webhook_deliveries.add(delivery)
    ctx.webhook_wakeup.set()
    return delivery


async def redeliver(ctx: Context, principal: Principal, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    if endpoint.get("enabled") is False:
        raise Conflict("endpoint_disabled", "Enable the endpoint before redelivering to it.")
    queued = await ctx.webhook_deliveries.redeliver(endpoint["_id"], delivery_id, ctx.clock.now())
    if queued is None:
        if await ctx.webhook_deliveries.get(endpoint["_id"], delivery_id) is None:
            raise NotFound("not_found", "No such delivery for this endpoint.")
        raise Conflict("delivery_in_progress", "This delivery is still pending or being sent.")
    ctx.webhook_wakeup.set()
    return queued


async def delete_endpoint(ctx: Context, principal: Principal, endpoint_id: str) -> None:
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    now = ctx.clock.now()
    if await ctx.endpoints.delete(endpoint["_id"], now) is None:
        raise NotFound("not_found", "No such webhook endpoint.")
    await ctx.webhook_deliveries.cancel_pending(endpoint["_id"], now)
