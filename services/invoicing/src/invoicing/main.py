"""Invoicing service: clients, quotes, invoices and their legal documents."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.observability.logging import get_logger
from coop_shared.service import Runtime, create_service_app
from invoicing.adapters.indexes import INDEXES
from invoicing.config import InvoicingSettings
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.entrypoints.api import clients, invoices, public_quotes, quotes, vat_rates
from invoicing.entrypoints.api.deps import CONTEXT
from invoicing.service_layer.context import Context
from invoicing.service_layer.errors import Conflict, Forbidden, Gone, NotFound
from invoicing.service_layer.handlers import build_handlers

log = get_logger("invoicing")


def create_app(settings: InvoicingSettings | None = None) -> FastAPI:
    settings = settings or InvoicingSettings()

    async def build_context(runtime: Runtime) -> None:
        runtime.extras[CONTEXT] = Context.build(runtime, settings)
        if settings.environment == "production" and settings.uses_development_seller:
            # Not refused (the manifests do not set it yet), but loud: a fictitious seller is not invoiceable.
            log.warning("seller_identity_is_the_development_default", vat_number=settings.seller_vat_number)

    return create_service_app(
        settings,
        title="Invoicing service",
        description="Clients, quotes with client links, invoices with gapless numbering, credit notes, "
                    "PDF (EPC QR) and Peppol BIS 3.0 UBL documents.",
        routers=[clients.router, quotes.router, public_quotes.router, invoices.router, vat_rates.router],
        indexes=INDEXES,
        handlers=build_handlers,
        domain_errors={
            DomainValidationError: 422, DomainConflictError: 409,
            NotFound: 404, Forbidden: 403, Conflict: 409, Gone: 410,
        },
        on_startup=[build_context],
    )
