"""House-keeping jobs every service runs: old sent outbox rows and expired
idempotency records are deleted.

The TTL indexes of both collections do the same on MongoDB; these jobs make
the retention explicit, visible in ``/admin/jobs`` and independent of a TTL
monitor (SecantusDB has none). A pending or unroutable outbox row is
never deleted.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import Clock
from coop_shared.http.idempotency import IDEMPOTENCY_COLLECTION
from coop_shared.jobs.job import Job
from coop_shared.jobs.schedules import DailyAt
from coop_shared.persistence.mongo import Document
from coop_shared.persistence.outbox import OUTBOX_COLLECTION, SENT

OUTBOX_RETENTION = timedelta(days=7)
IDEMPOTENCY_RETENTION = timedelta(hours=24)


async def delete_sent_outbox(db: AsyncDatabase[Document], clock: Clock,
                             retention: timedelta = OUTBOX_RETENTION) -> int:
    result = await db[OUTBOX_COLLECTION].delete_many(
        {"status": SENT, "sent_at": {"$lt": clock.now() - retention}})
    return result.deleted_count


async def delete_expired_idempotency(db: AsyncDatabase[Document], clock: Clock,
                                     retention: timedelta = IDEMPOTENCY_RETENTION) -> int:
    result = await db[IDEMPOTENCY_COLLECTION].delete_many(
        {"created_at": {"$lt": clock.now() - retention}})
    return result.deleted_count


def cleanup_jobs(db: AsyncDatabase[Document]) -> list[Job]:
    async def outbox(clock: Clock) -> dict[str, int]:
        return {"deleted": await delete_sent_outbox(db, clock)}

    async def idempotency(clock: Clock) -> dict[str, int]:
        return {"deleted": await delete_expired_idempotency(db, clock)}

    return [
        Job("outbox-cleanup", DailyAt.parse("03:10"), outbox,
            description="Delete outbox events sent more than 7 days ago."),
        Job("idempotency-cleanup", DailyAt.parse("03:20"), idempotency,
            description="Delete idempotency records older than 24 hours."),
    ]
