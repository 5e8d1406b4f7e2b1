"""Governance service: assemblies, resolutions, one-person-one-vote ballots, recommendations."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.clock import Clock, SystemClock
from coop_shared.service import create_service_app
from governance.adapters import assemblies, ballots, read_model, recommendations
from governance.config import GovernanceSettings
from governance.entrypoints.api import assemblies as assemblies_api
from governance.entrypoints.api import errors, proxies, votes
from governance.entrypoints.api import recommendations as recommendations_api
from governance.jobs import governance_jobs
from governance.service_layer.context import bootstrap
from governance.service_layer.handlers import build_handlers


def create_app(settings: GovernanceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """``clock``: the time voting windows are checked against, by requests and by the job that opens and
    closes them (tests pass a ``FakeClock``)."""
    settings = settings or GovernanceSettings()
    clock = clock or SystemClock(settings.timezone)
    app = create_service_app(
        settings,
        title="Governance service",
        description="Assemblies, resolutions and one-person-one-vote ballots; members' recommendations.",
        routers=[assemblies_api.router, proxies.router, votes.router, recommendations_api.router],
        indexes=[*assemblies.INDEXES, *ballots.INDEXES, *read_model.INDEXES, *recommendations.INDEXES],
        bootstrap=bootstrap,
        handlers=build_handlers,
        jobs=governance_jobs(settings),
        clock=clock,
    )
    app.state.clock = clock  # the context's clock too: tests hold it and move it
    errors.install(app)
    return app
