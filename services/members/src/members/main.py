"""Members service: people, cooperative shares, activities."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.http.idempotency import IDEMPOTENCY_INDEXES
from coop_shared.service import create_service_app
from members.adapters.repository import INDEXES
from members.config import MembersSettings
from members.entrypoints.api import members


def create_app(settings: MembersSettings | None = None) -> FastAPI:
    settings = settings or MembersSettings()
    return create_service_app(
        settings,
        title="Members service",
        description="Members, cooperative shares and activities (production units).",
        routers=[members.router],
        indexes=[*INDEXES, *IDEMPOTENCY_INDEXES],
    )
