"""Invoicing service: clients, quotes, invoices and their legal documents,
payments from bank statements, reminders and expense claims."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.auth.service_tokens import check_secret
from coop_shared.clock import Clock
from coop_shared.observability.logging import get_logger
from coop_shared.service import Runtime, create_service_app
from invoicing.adapters.business_metrics import invoicing_measures
from invoicing.adapters.fake_access_point import DEV_ACCESS_POINT_PATH, FakeAccessPoint
from invoicing.adapters.indexes import INDEXES
from invoicing.config import InvoicingSettings
from invoicing.domain.errors import DomainConflictError, DomainValidationError, TooLarge, UnsupportedType
from invoicing.entrypoints.api import (
    accounting,
    bank_statements,
    clients,
    expense_claims,
    internal_files,
    internal_transfers,
    invoices,
    payments,
    public_quotes,
    quotes,
    refunds,
    reminders,
    vat_rates,
)
from invoicing.entrypoints.client_pages import routes as client_pages
from invoicing.jobs import invoicing_jobs
from invoicing.service_layer.context import Context
from invoicing.service_layer.handlers import build_handlers

log = get_logger("invoicing")


def create_app(settings: InvoicingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """``clock``: what the use cases and the scheduled jobs read the time from (tests pass a ``FakeClock``)."""
    settings = settings or InvoicingSettings()

    async def bootstrap(runtime: Runtime) -> Context:
        check_secret(settings.service_token_secret.get_secret_value(), settings.environment)
        if settings.environment == "production" and settings.uses_development_seller:
            # Not refused (the manifests do not set it yet), but loud: a fictitious seller is not invoiceable.
            log.warning("seller_identity_is_the_development_default", vat_number=settings.seller_vat_number)
        return Context.build(runtime, settings)

    routers = [clients.router, quotes.router, public_quotes.router, invoices.router, vat_rates.router,
               payments.router, bank_statements.router, reminders.router, expense_claims.router,
               internal_files.router, client_pages.router, refunds.router, internal_transfers.router,
               accounting.router]
    if settings.environment == "development":
        # `make run` points PEPPOL_ACCESS_POINT_URL here: Peppol sending end to end, without a network.
        routers.append(FakeAccessPoint().router(prefix=DEV_ACCESS_POINT_PATH))
    return create_service_app(
        settings,
        measures=invoicing_measures,
        title="Invoicing service",
        description="Clients, quotes with client links, invoices with gapless numbering, credit notes, "
                    "PDF (EPC QR) and Peppol BIS 3.0 UBL documents, payments matched from camt.053 bank "
                    "statements, overdue reminders, write-offs and expense claims.",
        routers=routers,
        indexes=INDEXES,
        handlers=build_handlers,
        domain_errors={
            DomainValidationError: 422, DomainConflictError: 409, TooLarge: 413, UnsupportedType: 415,
        },
        bootstrap=bootstrap,
        jobs=invoicing_jobs(settings),
        clock=clock,
        max_body_bytes=settings.max_body_bytes,
    )
