"""The daily digest: one e-mail a day gathering a member's unread,
non-critical inbox entries, for members who chose it (critical ones are
sent at once, as always).

Once per member and day, however often the job runs and on however many
replicas: the e-mail is keyed (digest:<member>:<day>, recipient, channel)
under the deliveries' unique index, written in the transaction that moves the
member's "digest sent until" mark.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import Clock
from coop_shared.persistence.mongo import in_transaction
from notifications.domain.preferences import Channel
from notifications.domain.recipients import Recipient
from notifications.service_layer.context import Context

TEMPLATE = "daily_digest"
DIGEST_EVENT_TYPE = "notifications.daily_digest"


async def send_daily_digests(ctx: Context, clock: Clock) -> dict[str, Any]:
    now, today = clock.now(), clock.today()
    sent = 0
    for member_id, sent_until in await ctx.preferences.digest_members():
        if await _digest(ctx, member_id, sent_until, now, today):
            sent += 1
    if sent:
        ctx.email_wakeup.set()
    return {"day": today.isoformat(), "digests": sent}


async def _digest(ctx: Context, member_id: str, sent_until: datetime | None, now: datetime, today: date) -> bool:
    # A member who just chose it gets the last day's entries first.
    entries = await ctx.inbox.unread_for_digest(member_id, sent_until or now - timedelta(days=1), now)
    if not entries:
        return False
    known = (await ctx.directory.members([member_id])).get(member_id, {})
    if member_id in await ctx.directory.erased([member_id]):
        return False
    recipient = Recipient.member(member_id, known.get("email"), known.get("full_name", ""), known.get("language", ""))
    message = ctx.renderer.render(TEMPLATE, recipient.language, {
        "recipient": {"name": recipient.name, "language": recipient.language, "member": True},
        "data": {"day": today.isoformat(), "count": len(entries),
                 "entries": [{"title": e["title"], "summary": e["body"]} for e in entries]},
        "app_url": ctx.settings.app_base_url.rstrip("/"),
    })
    email: dict[str, Any] = {
        "_id": str(uuid.uuid4()), "event_id": f"digest:{member_id}:{today.isoformat()}",
        "event_type": DIGEST_EVENT_TYPE, "kind": "digest", "recipient_key": recipient.key,
        "channel": Channel.EMAIL.value, "member_id": member_id, "to_address": recipient.email,
        "to_name": recipient.name, "language": message.language, "subject": message.subject, "text": message.text,
        "html": message.html, "attachments": [], "status": "pending", "attempts": 0, "next_attempt_at": now,
        "created_at": now, "updated_at": now,
    }
    if not recipient.email:
        email.update(status="failed", last_error="no known e-mail address for this recipient", failed_at=now)

    async def work(session: AsyncClientSession) -> None:
        await ctx.emails.add_many([email], session)
        await ctx.preferences.digest_sent(member_id, now, session)

    try:
        await in_transaction(ctx.mongo, work)
    except DuplicateKeyError:
        return False  # today's digest is already on its way
    return True
