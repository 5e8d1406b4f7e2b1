"""Quotes that reach the end of their validity unanswered expire (``invoicing.quote.expired.v1``).

Run by the scheduled job; safe to run any number of times and in several
replicas at once: each quote changes under its version, so of two runs one
expires it and the other meets a stale version and leaves it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.invoicing import QuoteExpired
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.quote import QuoteStatus
from invoicing.service_layer.context import Context


async def expire_quotes(ctx: Context, today: date) -> dict[str, Any]:
    """Expire every sent quote whose validity date is before ``today``."""
    expired = 0
    for quote_id in await ctx.quotes.sent_valid_before(today):
        if await _expire(ctx, quote_id, today):
            expired += 1
    return {"today": today.isoformat(), "expired": expired}


async def _expire(ctx: Context, quote_id: str, today: date) -> bool:
    async def work(session: AsyncClientSession) -> bool:
        found = await ctx.quotes.with_document(quote_id, session)
        if found is None:
            return False
        quote, doc = found
        if quote.status is not QuoteStatus.SENT or not quote.is_expired(today):
            return False  # answered meanwhile, or already expired by another run
        quote.expire(today)
        await ctx.quotes.save(quote, {"updated_at": ctx.clock.now()}, session)
        activity = await ctx.read_model.activity(quote.activity_id)
        event = QuoteExpired(quote_id=quote_id, activity_id=quote.activity_id,
                             member_id=activity.owner_id if activity else doc.get("created_by", ""),
                             valid_until=quote.valid_until, expired_on=today)
        await ctx.runtime.outbox.add([ctx.runtime.event(event, subject=quote_id)], session=session)
        return True

    try:
        done: bool = await ctx.runtime.commit(work)
    except StaleVersion:
        return False  # changed by an answer or a concurrent run
    return done
