"""A reminder letter reaches the client as an e-mail with its PDF: invoicing's
reminders job and the notifications service, each on the real broker and
database, the letter's bytes fetched over HTTP with a service token and
delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import aio_pika
import httpx
import pytest
from aiosmtpd.controller import Controller

from coop_shared.clock import DayClock
from coop_shared.messaging.topology import Topology, declare_consumer_queues
from coop_shared.testing.events import EventTap
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from invoicing.service_layer.reminders import ReminderService
from notifications.config import NotificationsSettings
from notifications.main import create_app as create_notifications
from services.invoicing.tests.integration.conftest import BE_COMPANY, INVOICING_EVENTS, Platform


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
async def stack(settings_for: Callable[..., Any], signing_key: Any,
                token_for: Callable[..., dict[str, str]]) -> AsyncIterator[tuple[Platform, Inbox]]:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    invoicing_port = free_port()
    invoicing_settings: InvoicingSettings = settings_for(InvoicingSettings, reminder_job_enabled=False,
                                                         jobs_enabled=False)
    notifications_settings: NotificationsSettings = settings_for(
        NotificationsSettings, invoicing_url=f"http://127.0.0.1:{invoicing_port}", smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_tls="none", mail_from="Coop <no-reply@coop.test>", worker_poll_seconds=0.05,
        email_backoff_base_seconds=0.05, email_backoff_max_seconds=0.5, jobs_enabled=False)
    connection = await aio_pika.connect_robust(invoicing_settings.amqp_url)
    channel = await connection.channel()
    topology = Topology(invoicing_settings.exchange_name, invoicing_settings.dead_letter_exchange_name,
                        "reminder-letter-tap", 3, prefix=invoicing_settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topology, INVOICING_EVENTS)
    notifications = trust_test_key(create_notifications(notifications_settings), signing_key)
    invoicing = trust_test_key(create_invoicing(invoicing_settings), signing_key)
    try:
        # Notifications first: its queue is bound before invoicing publishes.
        async with (running(notifications), serving(invoicing, invoicing_port) as url,
                    # Issuing renders and stores the PDF and UBL: seconds on a loaded machine.
                    httpx.AsyncClient(base_url=url, timeout=60) as http):
            yield Platform(app=invoicing, http=http, tap=EventTap(queue), token_for=token_for), inbox
    finally:
        await connection.close()
        smtp.stop()


async def test_a_reminder_letter_is_emailed_to_the_client_with_its_stored_pdf(
        stack: tuple[Platform, Inbox]) -> None:
    platform, inbox = stack
    issued_on = date(2026, 3, 10)
    platform.ctx.clock = DayClock(issued_on)
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY, email="compta@lune.example", language="nl")
    invoice = await platform.issued(headers, activity, client["id"], payment_term_days=14)
    platform.ctx.clock = DayClock(issued_on + timedelta(days=14 + 7))
    await ReminderService(platform.ctx).run()

    for _ in range(300):
        if inbox.messages:
            break
        await asyncio.sleep(0.1)
    [message] = inbox.messages
    assert "compta@lune.example" in str(message["To"])
    assert message["Content-Language"] == "nl" and invoice["number"] in str(message["Subject"])
    [attachment] = list(message.iter_attachments())
    letter = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/reminders/first_reminder/pdf",
                                     headers=headers)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == letter.content and letter.content.startswith(b"%PDF")
    assert attachment.get_filename() == f"{invoice['number']}-first_reminder.pdf"
    # The invoice shows the letter as sent.
    for _ in range(100):
        shown = (await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
        if [s["status"] for s in shown["sendings"]] == ["sent"]:
            break
        await asyncio.sleep(0.1)
    assert [(s["document_kind"], s["status"]) for s in shown["sendings"]] == [("reminder", "sent")]
