"""Delivering events to partners' endpoints: signed POSTs, retried with
exponential back-off on failure or timeout, then dead-lettered. Every attempt
is logged on the delivery (the partner's delivery log)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from coop_shared.observability.logging import get_logger
from notifications.adapters.secret_box import SecretUnreadable
from notifications.adapters.webhook_client import PostResult
from notifications.adapters.webhook_repository import ACTIVE, CANCELLED, DEAD_LETTERED, DELIVERED
from notifications.adapters.work_queue import PENDING
from notifications.domain.addresses import TargetRefused
from notifications.domain.signing import EVENT_TYPE_HEADER, NotAStandardSecret, signed_headers
from notifications.service_layer.context import Context
from notifications.service_layer.metrics import WEBHOOKS
from notifications.service_layer.ports import WebhookPoster
from notifications.service_layer.webhooks import checked_target

log = get_logger("webhooks")


async def deliver_next_webhook(ctx: Context, poster: WebhookPoster) -> bool:
    """Attempt one due delivery; False when none is due."""
    repo = ctx.webhook_deliveries
    now = ctx.clock.now()
    doc = await repo.claim(now=now, lease=timedelta(seconds=ctx.settings.worker_lease_seconds),
                           owner=ctx.worker_id)
    if doc is None:
        return False
    endpoint = await ctx.endpoints.get(doc["endpoint_id"])
    if endpoint is None or endpoint.get("status") != ACTIVE or endpoint.get("enabled") is False:
        await repo.settle(doc["_id"], ctx.worker_id, {"status": CANCELLED, "updated_at": now})
        return True
    result = await _attempt(ctx, poster, endpoint, doc)
    await _record(ctx, doc, result)
    return True


async def _attempt(ctx: Context, poster: WebhookPoster, endpoint: dict[str, Any], doc: dict[str, Any]) -> PostResult:
    started = time.monotonic()
    try:
        secrets = signing_secrets(ctx, endpoint, ctx.clock.now())
        # Checked again now: the host's DNS answer may have changed since registration.
        target, addresses = await checked_target(ctx, endpoint["url"])
    except (TargetRefused, SecretUnreadable) as exc:
        message = exc.message if isinstance(exc, TargetRefused) else str(exc)
        return PostResult(None, message, int((time.monotonic() - started) * 1000))
    body: bytes = doc["body"].encode()
    try:
        signed = signed_headers(secrets, doc["_id"], int(time.time()), body)
    except NotAStandardSecret as exc:
        return PostResult(None, str(exc), int((time.monotonic() - started) * 1000))
    headers = {**signed, EVENT_TYPE_HEADER: doc["event_type"]}
    return await poster.post(target, addresses[0], headers, body)


def signing_secrets(ctx: Context, endpoint: dict[str, Any], now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts after a rotation."""
    secrets = [ctx.secrets.open(endpoint["secret"], endpoint["_id"])]
    previous, until = endpoint.get("previous_secret"), endpoint.get("previous_secret_expires_at")
    if previous and until is not None and _aware(until) > now:
        secrets.append(ctx.secrets.open(previous, endpoint["_id"]))
    return secrets


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _record(ctx: Context, doc: dict[str, Any], result: PostResult) -> None:
    done = ctx.clock.now()
    attempts = int(doc.get("attempts", 0)) + 1
    entry: dict[str, Any] = {"at": done, "status_code": result.status_code, "error": result.error,
                             "duration_ms": result.duration_ms}
    changes: dict[str, Any] = {"attempts": attempts, "last_status_code": result.status_code,
                               "last_error": result.error, "updated_at": done}
    if result.ok:
        changes.update(status=DELIVERED, delivered_at=done)
        WEBHOOKS.labels("delivered").inc()
    else:
        delay = ctx.webhook_policy.next_delay(attempts, random.random())
        if delay is None:
            changes.update(status=DEAD_LETTERED, dead_lettered_at=done)
            WEBHOOKS.labels("dead_lettered").inc()
            log.error("webhook_dead_lettered", delivery_id=doc["_id"], endpoint_id=doc["endpoint_id"],
                      event_id=doc["event_id"], attempts=attempts, status_code=result.status_code,
                      error=result.error)
        else:
            retry_at = done + timedelta(seconds=delay)
            entry["next_attempt_at"] = retry_at
            changes.update(status=PENDING, next_attempt_at=retry_at)
            WEBHOOKS.labels("retried").inc()
            log.warning("webhook_retry", delivery_id=doc["_id"], attempts=attempts, retry_in_s=round(delay, 3),
                        status_code=result.status_code, error=result.error)
    await ctx.webhook_deliveries.settle(doc["_id"], ctx.worker_id, changes, push={"attempt_log": entry})
