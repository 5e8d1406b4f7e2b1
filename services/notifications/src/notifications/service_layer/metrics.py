"""Counters operators watch: e-mails and webhook deliveries by outcome."""

from __future__ import annotations

from prometheus_client import Counter

EMAILS = Counter("coop_notifications_emails_total", "E-mail send attempts by outcome.", ["outcome"])
WEBHOOKS = Counter("coop_notifications_webhook_deliveries_total", "Webhook delivery attempts by outcome.",
                   ["outcome"])
