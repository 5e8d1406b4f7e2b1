"""Partners' webhook endpoints: register (secret shown once), list, delete."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from notifications.adapters.dns import ResolutionFailed
from notifications.adapters.webhook_repository import ACTIVE
from notifications.domain.addresses import IPAddress, TargetRefused, WebhookTarget, check_addresses, parse_target
from notifications.domain.catalogue import partner_event_types
from notifications.domain.errors import Conflict, Forbidden, InvalidRequest, NotFound
from notifications.service_layer.context import Context

SECRET_PREFIX = "whsec_"


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
            raise InvalidRequest("unknown_event_type", f"{event_type!r} is not offered to webhooks; "
                                 f"known: {', '.join(sorted(offered))}.", field=field)
        if not principal.has_scope(scope):
            raise Forbidden("insufficient_scope", f"Receiving {event_type} needs the scope {scope!r}.", field=field)
    return sorted(set(event_types))


def _replay(existing: dict[str, Any], url: str, event_types: list[str]) -> Registration:
    if existing["url"] != url or existing["event_types"] != event_types:
        raise InvalidRequest("idempotency_key_reused", "This Idempotency-Key was used with a different request.",
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
        raise InvalidRequest(exc.code, exc.message, field="url") from exc
    endpoint_id = str(uuid.uuid4())
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    doc = {
        "_id": endpoint_id, "owner_id": principal.id, "url": url, "event_types": types,
        "description": description, "status": ACTIVE, "active_key": ACTIVE,
        # Without a key the endpoint's own id keeps the unique index satisfied.
        "idempotency_key": idempotency_key or endpoint_id,
        "secret": ctx.secrets.seal(secret, endpoint_id), "secret_hint": secret[-4:],
        "created_at": now,
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


async def delete_endpoint(ctx: Context, principal: Principal, endpoint_id: str) -> None:
    endpoint = await owned_endpoint(ctx, principal, endpoint_id)
    now = datetime.now(UTC)
    if await ctx.endpoints.delete(endpoint["_id"], now) is None:
        raise NotFound("not_found", "No such webhook endpoint.")
    await ctx.webhook_deliveries.cancel_pending(endpoint["_id"], now)
