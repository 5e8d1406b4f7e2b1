"""Invoicing service: Clients, quotes, invoices, payments and expense claims."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.service import create_service_app
from invoicing.config import InvoicingSettings


def create_app(settings: InvoicingSettings | None = None) -> FastAPI:
    settings = settings or InvoicingSettings()
    return create_service_app(
        settings,
        title="Invoicing service",
        description="Clients, quotes, invoices, payments and expense claims.",
        handlers=lambda runtime: {},
    )
