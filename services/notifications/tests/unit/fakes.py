"""In-memory webhook repositories for use-case unit tests: a dict per collection, the methods the use cases call.

Each fake subclasses the MongoDB repository without calling its ``__init__``
(it holds no collection): a method a use case calls and the fake lacks
reaches the real one, which finds no collection attribute and fails at once.
The unique indexes the use cases rely on are kept, with the same index
names in the ``DuplicateKeyError``.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from notifications.adapters.webhook_repository import ACTIVE, EndpointRepository, WebhookDeliveryRepository


class FakeEndpointRepository(EndpointRepository):
    def __init__(self) -> None:
        self.endpoints: dict[str, dict[str, Any]] = {}

    async def add(self, endpoint: dict[str, Any]) -> None:
        for other in self.endpoints.values():
            if other["owner_id"] != endpoint["owner_id"]:
                continue
            if (other["url"], other["active_key"]) == (endpoint["url"], endpoint["active_key"]):
                raise DuplicateKeyError("E11000 duplicate key error index: endpoint_url_unique")
            if other["idempotency_key"] == endpoint["idempotency_key"]:
                raise DuplicateKeyError("E11000 duplicate key error index: endpoint_idempotency_unique")
        self.endpoints[endpoint["_id"]] = dict(endpoint)

    async def get(self, endpoint_id: str) -> dict[str, Any] | None:
        found = self.endpoints.get(endpoint_id)
        return None if found is None else dict(found)

    async def by_idempotency_key(self, owner_id: str, key: str) -> dict[str, Any] | None:
        return next((dict(e) for e in self.endpoints.values()
                     if e["owner_id"] == owner_id and e["idempotency_key"] == key), None)

    async def count_active(self, owner_id: str) -> int:
        return sum(1 for e in self.endpoints.values() if e["owner_id"] == owner_id and e["status"] == ACTIVE)


class FakeWebhookDeliveryRepository(WebhookDeliveryRepository):
    def __init__(self) -> None:
        self.deliveries: dict[str, dict[str, Any]] = {}

    async def add(self, delivery: dict[str, Any]) -> None:
        if any((d["endpoint_id"], d["event_id"]) == (delivery["endpoint_id"], delivery["event_id"])
               for d in self.deliveries.values()):
            raise DuplicateKeyError("E11000 duplicate key error index: webhook_once_per_event")
        self.deliveries[delivery["_id"]] = dict(delivery)
