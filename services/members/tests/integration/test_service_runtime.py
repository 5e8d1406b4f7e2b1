"""The members service on real servers: indexes at start-up, outbox to broker, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from coop_shared.testing.fixtures import running
from members.config import MembersSettings
from members.main import create_app


async def test_start_up_declares_unique_indexes_and_reports_ready(settings_for: Callable[..., Any]) -> None:
    settings: MembersSettings = settings_for(MembersSettings)
    app = create_app(settings)
    async with running(app) as client:
        db = app.state.runtime.db
        members = await db.members.index_information()
        assert members["members_email_unique"]["unique"] is True
        processed = await db.processed_events.index_information()
        assert processed["processed_once"]["unique"] is True
        assert "outbox_pending" in await db.outbox.index_information()
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["mongodb"]["status"] == "ok"
        assert ready.json()["checks"]["rabbitmq"]["status"] == "ok"


async def test_registration_event_leaves_through_the_outbox(settings_for: Callable[..., Any]) -> None:
    settings: MembersSettings = settings_for(MembersSettings)
    # A consumer must exist or the mandatory publish is (rightly) refused:
    # bind a queue like the notifications service would.
    import aio_pika

    from coop_shared.messaging.topology import Topology, declare_consumer_queues

    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    topo = Topology(settings.exchange_name, settings.dead_letter_exchange_name, "listener", 3,
                    prefix=settings.amqp_prefix)
    queue = await declare_consumer_queues(channel, topo, ["members.member.registered.v1"])

    app = create_app(settings)
    async with running(app) as client:
        response = await client.post("/api/v1/members", json={"email": "Bob@Example.be", "full_name": "Bob"})
        assert response.status_code == 201
        member_id = response.json()["id"]
        message = None
        for _ in range(100):
            message = await queue.get(fail=False)
            if message is not None:
                break
            await asyncio.sleep(0.05)
        assert message is not None, "the event never left the outbox"
        await message.ack()
        body = message.body.decode()
        assert member_id in body and "bob@example.be" in body
        outbox = await app.state.runtime.db.outbox.find_one({"type": "members.member.registered.v1"})
        for _ in range(50):
            outbox = await app.state.runtime.db.outbox.find_one({"type": "members.member.registered.v1"})
            if outbox["status"] == "sent":
                break
            await asyncio.sleep(0.05)
        assert outbox["status"] == "sent"
        metrics = (await client.get("/metrics")).text
        assert 'coop_events_published_total{service="members",type="members.member.registered.v1"}' in metrics
    await connection.close()
