"""The notifications service's scheduled jobs, declared in one place (run under the shared scheduler's lease)."""

from __future__ import annotations

from typing import Any

from coop_shared.clock import Clock
from coop_shared.jobs import DailyAt, Job
from coop_shared.service import JobsFactory, Runtime
from notifications.config import NotificationsSettings
from notifications.service_layer.context import context_of
from notifications.service_layer.digest import send_daily_digests


def notifications_jobs(settings: NotificationsSettings) -> JobsFactory:
    def build(runtime: Runtime) -> list[Job]:
        async def digest(clock: Clock) -> dict[str, Any]:
            return await send_daily_digests(context_of(runtime), clock)

        return [Job("daily-digest", DailyAt.parse(settings.digest_job_at), digest,
                    description="One e-mail a day with the unread, non-critical notifications of each member "
                                "who chose the daily digest.")]

    return build
