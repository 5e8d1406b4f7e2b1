"""What became of a document e-mailed to a client, told back to its sender.

Each attempt's outcome is published (``notifications.sending.status_changed.v1``)
in the same transaction as the delivery's new state, so invoicing shows the
sending as it is; when no attempt is left, the member is told in the inbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.notifications import SendingStatusChanged
from notifications.service_layer.context import Context

Status = Literal["sent", "failed", "parked"]
_LABELS = {
    "fr": {"invoice": "la facture {n}", "credit_note": "la note de crédit {n}", "quote": "le devis",
           "reminder": "le rappel de la facture {n}"},
    "nl": {"invoice": "factuur {n}", "credit_note": "creditnota {n}", "quote": "de offerte",
           "reminder": "de herinnering voor factuur {n}"},
    "en": {"invoice": "invoice {n}", "credit_note": "credit note {n}", "quote": "the quote",
           "reminder": "the reminder for invoice {n}"},
}


async def report(ctx: Context, delivery: dict[str, Any], status: Status, attempts: int, error: str | None,
                 session: AsyncClientSession) -> None:
    """Within the caller's transaction; nothing for e-mails no service asked for."""
    sending_id = delivery.get("sending_id")
    if not sending_id or ctx.runtime is None:
        return
    now = ctx.clock.now()
    event = SendingStatusChanged(sending_id=sending_id, status=status, attempts=attempts, error=error, at=now)
    await ctx.runtime.outbox.add([ctx.runtime.event(event, subject=sending_id)], session=session)
    member_id = delivery.get("on_behalf_of")
    if status == "parked" and member_id:
        await ctx.inbox.add_many([await _failure_entry(ctx, delivery, member_id, error, now)], session)


async def _failure_entry(ctx: Context, delivery: dict[str, Any], member_id: str, error: str | None,
                         now: datetime) -> dict[str, Any]:
    known = await ctx.directory.members([member_id])
    language = known.get(member_id, {}).get("language") or "fr"
    document = delivery.get("document") or {}
    labels = _LABELS.get(language, _LABELS["fr"])
    label = labels.get(document.get("kind", "invoice"), "{n}").format(n=document.get("number") or "")
    site = ctx.settings.app_base_url.rstrip("/")
    message = ctx.renderer.render("sending_failed", language, {
        "recipient": {"name": "", "language": language, "member": True},
        "data": {"label": label, "client_name": delivery.get("to_name") or "", "to": delivery.get("to_address"),
                 "error": error or "", "member_path": document.get("member_path") or "/app/inbox"},
        "site_url": site, "app_url": site + "/app"})
    # One entry per parking: a delivery an operator sent again may be parked again, and says so again.
    retries = int(delivery.get("retries", 0))
    event_id = f"sending-failed:{delivery['_id']}" + (f":{retries}" if retries else "")
    return {"_id": str(uuid.uuid4()), "recipient_id": member_id, "event_id": event_id,
            "event_type": SendingStatusChanged.event_type, "kind": "document.sending_failed", "critical": True,
            "title": message.subject, "body": message.summary, "subject": document.get("id"),
            "link": site + (document.get("member_path") or "/app/inbox"), "occurred_at": now, "created_at": now,
            "read_at": None}
