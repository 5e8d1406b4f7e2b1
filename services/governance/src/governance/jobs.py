"""The governance service's scheduled jobs, declared in one place (run under the shared scheduler's lease)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from coop_shared.clock import Clock
from coop_shared.jobs import Every, Job
from coop_shared.service import JobsFactory, Runtime
from governance.config import GovernanceSettings
from governance.service_layer.context import context_of
from governance.service_layer.deadlines import keep_voting_deadlines


def governance_jobs(settings: GovernanceSettings) -> JobsFactory:
    def build(runtime: Runtime) -> list[Job]:
        async def voting_deadlines(clock: Clock) -> dict[str, int]:
            return await keep_voting_deadlines(replace(context_of(runtime), clock=clock))

        # Checked every few seconds: a vote closes within seconds of closes_at, not at the next hour.
        # A failed run is retried after seconds, not the default half minute: a vote's window is short.
        every = settings.voting_deadlines_job_seconds
        return [Job("voting-deadlines", Every(every), voting_deadlines,
                    description="Open voting at opens_at; close it at closes_at, count and publish the results "
                                "and minutes.",
                    retry_base=timedelta(seconds=max(every, 1.0)), retry_max=timedelta(minutes=1))]

    return build
