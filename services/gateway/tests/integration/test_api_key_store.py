"""The key store against the real database: what one request costs in writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient

from coop_shared.clock import wall_time
from gateway.adapters.api_keys import API_KEY_AUDIT, API_KEYS, ApiKeyStore
from gateway.config import GatewaySettings


async def test_a_busy_key_writes_its_last_use_once_a_minute_per_replica(settings_for: Callable[..., Any]) -> None:
    settings = settings_for(GatewaySettings)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
    try:
        db = client[settings.mongo_database]
        store = ApiKeyStore(db, "pepper")
        _, doc = await store.create(name="Sync", scopes=frozenset({"invoices:read"}), created_by="admin")

        async def use() -> None:
            await store.record_use(doc["_id"], method="GET", path="/api/v1/invoices", status=200,
                                   client_ip="203.0.113.9", request_id=None)

        await use()
        first = (await db[API_KEYS].find_one({"_id": doc["_id"]}))["last_used_at"]  # type: ignore[index]
        assert first is not None
        # Another replica wrote a minute and more ago: this one, having written just now, does not write again.
        stale = wall_time() - timedelta(minutes=5)
        await db[API_KEYS].update_one({"_id": doc["_id"]}, {"$set": {"last_used_at": stale}})
        for _ in range(5):
            await use()
        kept = (await db[API_KEYS].find_one({"_id": doc["_id"]}))["last_used_at"]  # type: ignore[index]
        assert abs(kept.replace(tzinfo=stale.tzinfo) - stale) < timedelta(milliseconds=2)
        # Every request is still in the audit trail.
        assert await db[API_KEY_AUDIT].count_documents({"key_id": doc["_id"]}) == 6
        # A fresh replica (a new store) writes at once.
        await ApiKeyStore(db, "pepper").record_use(doc["_id"], method="GET", path="/api/v1/invoices", status=200,
                                                   client_ip="203.0.113.9", request_id=None)
        assert (await db[API_KEYS].find_one({"_id": doc["_id"]}))["last_used_at"] > stale.replace(tzinfo=None)  # type: ignore[index]
    finally:
        await client.close()
