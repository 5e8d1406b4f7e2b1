"""The invoicing service's scheduled jobs, declared in one place.

Each runs in the service's process under the shared scheduler's lease (one
replica at a time) and is idempotent on its own: the reminder run guards each step by
a unique (invoice, level) key, quote expiry by the quote's version, a late refund by its flag.
"""

from __future__ import annotations

from datetime import timedelta

from coop_shared.clock import Clock
from coop_shared.jobs import DailyAt, Every, Job
from coop_shared.service import JobsFactory, Runtime
from invoicing.config import InvoicingSettings
from invoicing.service_layer.context import context_of
from invoicing.service_layer.issued_files import IssuedFiles
from invoicing.service_layer.peppol import PeppolSender
from invoicing.service_layer.quote_expiry import expire_quotes
from invoicing.service_layer.reminders import ReminderService


def invoicing_jobs(settings: InvoicingSettings) -> JobsFactory:
    def build(runtime: Runtime) -> list[Job]:
        context = context_of(runtime)

        async def reminders(clock: Clock) -> dict[str, object]:
            # Overdue the day after the due date, first reminder and formal notice on their configured days.
            return await ReminderService(context).run(clock.today())

        async def quote_expiry(clock: Clock) -> dict[str, object]:
            return await expire_quotes(context, clock.today())

        async def late_refunds(clock: Clock) -> dict[str, object]:
            today = clock.today()
            flagged = await context.unmatched.flag_late_refunds(today - timedelta(days=settings.refund_due_days), today)
            return {"today": today.isoformat(), "flagged": flagged}

        async def peppol_transmissions(clock: Clock) -> dict[str, object]:
            assert context.access_point is not None
            files = IssuedFiles(context)

            async def payload_of(document_id: str) -> bytes:
                doc = await context.invoices.get(document_id)
                assert doc is not None  # an issued document is never deleted
                return (await files.ubl(doc)).content

            sender = PeppolSender(context.peppol_transmissions, context.access_point, settings.seller_peppol_id,
                                  settings.peppol_max_attempts)
            return dict(await sender.transmit_due(clock.now(), payload_of))

        jobs = [Job("quote-expiry", DailyAt.parse(settings.quote_expiry_job_at), quote_expiry,
                    description="Sent quotes past their validity date expire (invoicing.quote.expired.v1)."),
                Job("late-refunds", DailyAt.parse(settings.refund_check_job_at), late_refunds,
                    description="Money held unassigned longer than REFUND_DUE_DAYS is flagged as a late refund.")]
        if settings.reminder_job_enabled:
            jobs.insert(0, Job("reminders", Every(settings.reminder_job_interval_seconds,
                                                settings.reminder_job_initial_delay_seconds), reminders,
                               description="Overdue at due date + 1 day (Brussels), first reminder and formal "
                                           "notice on their configured days, each once per invoice."))
        if context.access_point is not None:
            jobs.append(Job("peppol-transmissions", Every(settings.peppol_job_interval_seconds), peppol_transmissions,
                            description="Sent invoices and credit notes whose client has a Peppol id are handed to "
                                        "the access point, once each; retried with back-off, then parked."))
        return jobs

    return build
