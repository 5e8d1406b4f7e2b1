"""Invoicing service: clients, quotes, invoices and their legal documents,
payments from bank statements, reminders and expense claims."""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.observability.logging import get_logger
from coop_shared.service import Runtime, create_service_app
from invoicing.adapters.indexes import INDEXES
from invoicing.config import InvoicingSettings
from invoicing.domain.errors import DomainConflictError, DomainValidationError, TooLarge, UnsupportedType
from invoicing.entrypoints.api import (
    bank_statements,
    clients,
    expense_claims,
    invoices,
    payments,
    public_quotes,
    quotes,
    reminders,
    vat_rates,
)
from invoicing.entrypoints.api.deps import CONTEXT
from invoicing.service_layer.context import Context
from invoicing.service_layer.dunning import DunningService, PeriodicJob
from invoicing.service_layer.errors import Conflict, Forbidden, Gone, NotFound
from invoicing.service_layer.handlers import build_handlers

log = get_logger("invoicing")
REMINDER_JOB = "reminder_job"


def create_app(settings: InvoicingSettings | None = None) -> FastAPI:
    settings = settings or InvoicingSettings()

    async def build_context(runtime: Runtime) -> None:
        context = Context.build(runtime, settings)
        runtime.extras[CONTEXT] = context
        if settings.environment == "production" and settings.uses_development_seller:
            # Not refused (the manifests do not set it yet), but loud: a fictitious seller is not invoiceable.
            log.warning("seller_identity_is_the_development_default", vat_number=settings.seller_vat_number)
        if settings.reminder_job_enabled:
            # Reads the clock on each run (runtime.extras["clock"]), so a replaced clock is honoured.
            job = PeriodicJob("reminders", lambda: DunningService(context).run(),
                              interval=settings.reminder_job_interval_seconds,
                              initial_delay=settings.reminder_job_initial_delay_seconds)
            runtime.extras[REMINDER_JOB] = job
            job.start()

    async def stop_jobs(runtime: Runtime) -> None:
        job = runtime.extras.pop(REMINDER_JOB, None)
        if isinstance(job, PeriodicJob):
            await job.stop()

    return create_service_app(
        settings,
        title="Invoicing service",
        description="Clients, quotes with client links, invoices with gapless numbering, credit notes, "
                    "PDF (EPC QR) and Peppol BIS 3.0 UBL documents, payments matched from camt.053 bank "
                    "statements, overdue reminders, write-offs and expense claims.",
        routers=[clients.router, quotes.router, public_quotes.router, invoices.router, vat_rates.router,
                 payments.router, bank_statements.router, reminders.router, expense_claims.router],
        indexes=INDEXES,
        handlers=build_handlers,
        domain_errors={
            DomainValidationError: 422, DomainConflictError: 409, TooLarge: 413, UnsupportedType: 415,
            NotFound: 404, Forbidden: 403, Conflict: 409, Gone: 410,
        },
        on_startup=[build_context],
        on_shutdown=[stop_jobs],
        max_body_bytes=settings.max_body_bytes,
    )
