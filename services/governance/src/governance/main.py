"""Governance service: Assemblies, resolutions and one-person-one-vote ballots."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.service import create_service_app
from governance.config import GovernanceSettings


def create_app(settings: GovernanceSettings | None = None) -> FastAPI:
    settings = settings or GovernanceSettings()
    return create_service_app(
        settings,
        title="Governance service",
        description="Assemblies, resolutions and one-person-one-vote ballots.",
        handlers=lambda runtime: {},
    )
