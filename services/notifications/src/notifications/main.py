"""Notifications service: inbox, e-mail, partner webhooks."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.service import create_service_app
from notifications.adapters.inbox_repository import INDEXES
from notifications.config import NotificationsSettings
from notifications.entrypoints.api import inbox
from notifications.service_layer.handlers import build_handlers


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    return create_service_app(
        settings,
        title="Notifications service",
        description="In-app inbox, e-mail and partner webhooks, fed by every service's events.",
        routers=[inbox.router],
        indexes=INDEXES,
        handlers=build_handlers,
    )
