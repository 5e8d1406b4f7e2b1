"""Business gauges on /metrics come from the service's own database: payslips
near their 7-day due date and not yet batched, parked e-mails and webhooks,
dead letters. The alert rules in deploy/observability are written on them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from coop_shared.clock import FakeClock
from coop_shared.testing.fixtures import running
from notifications.config import NotificationsSettings
from notifications.main import create_app as notifications_app
from payroll.config import PayrollSettings
from payroll.main import create_app as payroll_app

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def gauge(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" ([0-9.e+-]+)"
    found = re.search(r"^" + pattern + "$", text, re.M)
    assert found, f"{name}{{{wanted}}} not on /metrics"
    return float(found.group(1))


async def test_payslips_near_their_due_date_are_counted(settings_for: Callable[..., Any]) -> None:
    settings = settings_for(PayrollSettings, jobs_enabled=False)
    app = payroll_app(settings, clock=FakeClock(NOW))
    async with running(app) as client:
        db = app.state.runtime.db
        def payslip(key: str, status: str, due_in_days: int) -> dict[str, str]:
            due = (NOW.date() + timedelta(days=due_in_days)).isoformat()
            return {"_id": key, "contract_id": f"c-{key}", "status": status, "due_date": due}

        await db.payslips.insert_many([
            payslip("due-tomorrow", "issued", 1), payslip("due-in-5", "issued", 5), payslip("late", "issued", -1),
            payslip("batched", "in_batch", 0), payslip("later", "issued", 20)])
        text = (await client.get("/metrics")).text
    assert gauge(text, "coop_payslips_due_unbatched", within_days="2") == 2
    assert gauge(text, "coop_payslips_due_unbatched", within_days="7") == 3
    assert gauge(text, "coop_guarantee_fund_exposure_euros") == 0
    assert re.search(r'^coop_dead_letters\{queue="[^"]*payroll\.dead-letter"\} 0\.0$', text, re.M), text[-3000:]


async def test_parked_messages_are_counted(settings_for: Callable[..., Any]) -> None:
    settings = settings_for(NotificationsSettings)
    app = notifications_app(settings)
    async with running(app) as client:
        db = app.state.runtime.db
        await db.email_deliveries.insert_many([
            {"_id": key, "event_id": f"ev-{key}", "recipient_key": "r", "channel": "email", "status": status,
             "created_at": NOW} for key, status in (("e1", "failed"), ("e2", "failed"), ("e3", "sent"))])
        await db.webhook_deliveries.insert_one({"_id": "w1", "status": "dead_lettered", "created_at": NOW})
        text = (await client.get("/metrics")).text
    assert gauge(text, "coop_notifications_parked", channel="email") == 2
    assert gauge(text, "coop_notifications_parked", channel="webhook") == 1
