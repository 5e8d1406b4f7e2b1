"""Sending the e-mails the events produced: one claimed delivery at a time,
marked sent only once the relay accepted it; failures retried with back-off,
then parked as ``failed`` for an operator (admin API) to look at."""

from __future__ import annotations

import base64
import random
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.observability.logging import get_logger
from notifications.adapters.document_files import FileUnavailable
from notifications.adapters.email_repository import FAILED, SENT
from notifications.adapters.smtp import OutgoingEmail, SendFailed
from notifications.adapters.work_queue import PENDING
from notifications.domain.attachments import Attachment
from notifications.service_layer.context import Context
from notifications.service_layer.metrics import EMAILS
from notifications.service_layer.ports import EmailSender
from notifications.service_layer.sending_outcomes import Status, report

log = get_logger("email")


def outgoing(doc: dict[str, Any], fetched: tuple[Attachment, ...] = ()) -> OutgoingEmail:
    return OutgoingEmail(
        delivery_id=doc["_id"], to_address=doc.get("to_address") or "", to_name=doc.get("to_name") or "",
        language=doc.get("language", "fr"), subject=doc["subject"], text=doc["text"], html=doc["html"],
        attachments=tuple(Attachment(a["filename"], a["content_type"], base64.b64decode(a["content"]))
                          for a in doc.get("attachments", [])) + fetched,
        from_name=doc.get("from_name"),
    )


async def _fetch_documents(ctx: Context, doc: dict[str, Any]) -> tuple[Attachment, ...]:
    """The issued documents' stored files, fetched at each attempt (the delivery keeps only their references)."""
    refs = doc.get("documents") or []
    if not refs:
        return ()
    if ctx.files is None:
        raise SendFailed("no document source configured", permanent=True)
    try:
        return tuple([Attachment(r["filename"], r["content_type"], await ctx.files.fetch(r["path"], r.get("sha256")))
                      for r in refs])
    except FileUnavailable as exc:
        raise SendFailed(f"document unavailable: {exc}", permanent=False) from exc


async def _settle(ctx: Context, doc: dict[str, Any], changes: dict[str, Any], status: Status,
                  error: str | None) -> None:
    """The delivery's new state and, for a document sending, its outcome for the sender, together."""
    repo = ctx.emails
    if not doc.get("sending_id") or ctx.runtime is None:
        await repo.settle(doc["_id"], ctx.worker_id, changes)
        return

    async def work(session: AsyncClientSession) -> None:
        if await repo.settle(doc["_id"], ctx.worker_id, changes, session=session):
            await report(ctx, doc, status, changes["attempts"], error, session)

    await ctx.runtime.commit(work)


async def send_next_email(ctx: Context, sender: EmailSender) -> bool:
    """Send one due e-mail; False when none is due."""
    repo = ctx.emails
    now = ctx.clock.now()
    doc = await repo.claim(now=now, lease=timedelta(seconds=ctx.settings.worker_lease_seconds),
                           owner=ctx.worker_id)
    if doc is None:
        return False
    attempts = int(doc.get("attempts", 0)) + 1
    try:
        if not doc.get("to_address"):
            raise SendFailed("no e-mail address", permanent=True)
        await sender.send(outgoing(doc, await _fetch_documents(ctx, doc)))
    except SendFailed as exc:
        done = ctx.clock.now()
        delay = None if exc.permanent else ctx.email_policy.next_delay(attempts, random.random())
        if delay is None:
            changes = {"status": FAILED, "attempts": attempts, "last_error": str(exc)[:500], "failed_at": done,
                       "updated_at": done}
            EMAILS.labels("failed").inc()
            log.error("email_parked", delivery_id=doc["_id"], event_id=doc["event_id"], attempts=attempts,
                      error=str(exc)[:300])
        else:
            changes = {"status": PENDING, "attempts": attempts, "last_error": str(exc)[:500],
                       "next_attempt_at": done + timedelta(seconds=delay), "updated_at": done}
            EMAILS.labels("retried").inc()
            log.warning("email_retry", delivery_id=doc["_id"], attempts=attempts, retry_in_s=round(delay, 3),
                        error=str(exc)[:300])
        await _settle(ctx, doc, changes, "parked" if delay is None else "failed", str(exc)[:500])
        return True
    done = ctx.clock.now()
    await _settle(ctx, doc, {"status": SENT, "attempts": attempts, "sent_at": done, "updated_at": done}, "sent",
                  None)
    EMAILS.labels("sent").inc()
    return True
