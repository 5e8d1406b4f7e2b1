"""Notifications' business gauges: messages that gave up and wait for a person."""

from __future__ import annotations

from collections.abc import Sequence

from coop_shared.observability.business import NOTIFICATIONS_PARKED, Measure
from coop_shared.service import Runtime
from notifications.adapters.email_repository import EMAIL_DELIVERIES, FAILED
from notifications.adapters.webhook_repository import DEAD_LETTERED, DELIVERIES


def notifications_measures(runtime: Runtime) -> Sequence[Measure]:
    db = runtime.db

    async def parked() -> None:
        NOTIFICATIONS_PARKED.labels("email").set(await db[EMAIL_DELIVERIES].count_documents({"status": FAILED}))
        NOTIFICATIONS_PARKED.labels("webhook").set(
            await db[DELIVERIES].count_documents({"status": DEAD_LETTERED}))

    return (parked,)
