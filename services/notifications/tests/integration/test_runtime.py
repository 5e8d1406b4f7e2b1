"""The service on real servers: indexes declared at start-up, readiness, metrics."""

from __future__ import annotations


async def test_unique_indexes_and_readiness(harness) -> None:
    app = harness.app()
    async with harness.started(app) as client:
        db = app.state.runtime.db
        unique = {
            "inbox": "inbox_event_recipient_unique",
            "email_deliveries": "email_once_per_event_recipient",
            "webhook_deliveries": "webhook_once_per_event",
            "webhook_endpoints": "endpoint_url_unique",
            "processed_events": "processed_once",
        }
        for collection, index in unique.items():
            assert (await db[collection].index_information())[index]["unique"] is True, index
        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        await harness.publish(app, harness.registered("m-metrics"))
        await harness.wait_until(lambda: len(harness.smtp.recorder.messages) == 1, what="the e-mail")
        await harness.wait_until(lambda: _sent(db), what="the delivery marked sent")
        metrics = (await client.get("/metrics")).text
        assert 'coop_notifications_emails_total{outcome="sent"}' in metrics


async def _sent(db) -> bool:  # type: ignore[no-untyped-def]
    return await db.email_deliveries.count_documents({"status": "sent"}) == 1


async def test_the_directory_keeps_the_newest_data_whatever_the_arrival_order(harness) -> None:
    import asyncio
    import random
    from datetime import UTC, datetime, timedelta

    from notifications.adapters.directory_repository import DirectoryRepository
    from notifications.domain.directory import DirectoryChange

    app = harness.app()
    async with harness.started(app):
        directory = DirectoryRepository(app.state.runtime.db)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        writes = [(DirectoryChange("member", "m-race", "contact", {"email": f"v{n}@example.be"}),
                   start + timedelta(seconds=n)) for n in range(12)]
        writes += [(DirectoryChange("member", "m-race", "advisor", {"advisor_id": f"adv-{n}"}),
                    start + timedelta(seconds=n)) for n in range(12)]
        random.shuffle(writes)
        await asyncio.gather(*(directory.upsert(change, as_of=at) for change, at in writes))
        await asyncio.gather(*(directory.upsert(change, as_of=at) for change, at in writes))  # redelivered
        person = await app.state.runtime.db.directory_members.find_one({"_id": "m-race"})
        assert person["email"] == "v11@example.be" and person["advisor_id"] == "adv-11"
