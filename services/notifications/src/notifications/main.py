"""Notifications service: inbox, e-mail, partner webhooks."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.service import create_service_app
from notifications.adapters import directory_repository, email_repository, inbox_repository, webhook_repository
from notifications.adapters.business_metrics import notifications_measures
from notifications.config import NotificationsSettings
from notifications.entrypoints.api import admin, inbox, preferences, webhooks
from notifications.jobs import notifications_jobs
from notifications.service_layer.context import bootstrap
from notifications.service_layer.handlers import build_handlers
from notifications.service_layer.senders import start_senders, stop_senders

INDEXES = [*inbox_repository.INDEXES, *directory_repository.INDEXES, *email_repository.INDEXES,
           *webhook_repository.INDEXES]


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    return create_service_app(
        settings,
        measures=notifications_measures,
        title="Notifications service",
        description="In-app inbox, e-mail and partner webhooks, fed by every service's events.",
        routers=[inbox.router, preferences.router, webhooks.router, admin.router],
        indexes=INDEXES,
        bootstrap=bootstrap,
        handlers=build_handlers,
        on_startup=[start_senders],
        on_shutdown=[stop_senders],
        jobs=notifications_jobs(settings),
    )
