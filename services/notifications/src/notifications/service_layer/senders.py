"""Start and stop the background senders with the service (lifespan hooks)."""

from __future__ import annotations

from dataclasses import dataclass

from coop_shared.service import Runtime
from notifications.adapters.smtp import SmtpSender
from notifications.adapters.webhook_client import HttpWebhookClient
from notifications.service_layer.context import context_of
from notifications.service_layer.email_sending import send_next_email
from notifications.service_layer.webhook_delivery import deliver_next_webhook
from notifications.service_layer.workers import QueueWorker


@dataclass(frozen=True, slots=True)
class Senders:
    workers: list[QueueWorker]
    http: HttpWebhookClient


async def start_senders(runtime: Runtime) -> None:
    ctx = context_of(runtime)
    settings = ctx.settings
    smtp = SmtpSender(settings)
    http = HttpWebhookClient(settings.webhook_timeout_seconds)

    async def send_email() -> bool:
        return await send_next_email(ctx, smtp)

    async def deliver_webhook() -> bool:
        return await deliver_next_webhook(ctx, http)

    workers = [
        QueueWorker("email-sender", step=send_email, next_due=ctx.emails.next_due, wakeup=ctx.email_wakeup,
                    concurrency=settings.email_concurrency, poll_seconds=settings.worker_poll_seconds),
        QueueWorker("webhook-sender", step=deliver_webhook, next_due=ctx.webhook_deliveries.next_due,
                    wakeup=ctx.webhook_wakeup, concurrency=settings.webhook_concurrency,
                    poll_seconds=settings.worker_poll_seconds),
    ]
    for worker in workers:
        worker.start()
    ctx.senders = Senders(workers, http)


async def stop_senders(runtime: Runtime) -> None:
    ctx = context_of(runtime)
    started, ctx.senders = ctx.senders, None
    if started is None:
        return
    for worker in started.workers:
        await worker.stop()
    await started.http.close()
    files = ctx.files
    if files is not None:
        await files.close()
