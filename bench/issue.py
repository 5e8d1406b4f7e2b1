"""Issuing invoices (gapless yearly numbering) against a raw ``insert_one``.

The invoicing service runs in this process with its real lifespan (database,
broker, outbox relay). Drafts are prepared untimed; then 16 concurrent
clients issue them through the HTTP API (in-process ASGI; each issue also
renders and stores the invoice's PDF with its payment QR code), and the very same
issued documents are written again with ``insert_one`` by 16 concurrent
writers into an identically indexed collection, in alternating rounds.

Usage: ``python -m bench.issue [--invoices 80] [--rounds 2] [--clients 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.support import ratio_line
from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import SigningKey, issue_access_token
from coop_shared.messaging.envelope import Envelope
from coop_shared.testing.fixtures import running, trust_test_key
from coop_shared.testing.servers import delete_queues, test_infrastructure
from invoicing.config import InvoicingSettings
from invoicing.main import create_app
from invoicing.service_layer.handlers import build_handlers

CLIENT = {"kind": "person", "name": "Camille Martin", "email": "camille@example.org", "language": "fr",
          "address": {"street": "Rue Haute 5", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}}
LINE = {"description": "Création sonore", "quantity": "10", "unit": "HUR", "unit_price": "65.00", "vat_rate": "21"}


async def seed(app: Any, member_id: str, activity_id: str) -> None:
    handlers = build_handlers(app.state.runtime)
    now = datetime.now(UTC).isoformat()
    for event_type, data in (
        ("members.member.registered.v1", {"member_id": member_id, "email": f"{member_id}@example.be",
                                          "full_name": "Bench Mark", "language": "fr", "role": "member"}),
        ("members.share.paid.v1", {"member_id": member_id, "shares_paid": 1, "shares_required": 1,
                                   "in_good_standing": True, "usage_started_on": None, "entry_id": str(uuid.uuid4()),
                                   "subscription_id": str(uuid.uuid4()), "category": "A", "quantity": 1,
                                   "amount": "30.00", "paid_at": now}),
        ("members.activity.opened.v1", {"activity_id": activity_id, "name": "Atelier", "sector": "arts_and_culture",
                                        "owner_id": member_id, "co_manager_ids": [], "kind": "individual",
                                        "budget_manager_id": member_id, "status": "open", "opened_at": now}),
    ):
        await handlers[event_type](Envelope(type=event_type, source="members", data=data))


async def in_parallel(items: list[Any], workers: int, job: Any) -> float:
    pending = iter(items)
    started = time.perf_counter()

    async def worker() -> None:
        for item in pending:
            await job(item)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return len(items) / (time.perf_counter() - started)


async def measure(invoices: int, rounds: int, clients: int) -> dict[str, float]:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    key = SigningKey.generate()
    with test_infrastructure() as infra:
        settings = InvoicingSettings(mongo_url=infra.mongo_url, amqp_url=infra.amqp_url, amqp_prefix=prefix,
                                     mongo_database=f"{prefix.rstrip('.')}_invoicing", reminder_job_enabled=False,
                                     log_level="WARNING")
        app = trust_test_key(create_app(settings), key)
        try:
            async with running(app) as http:
                member_id, activity_id = f"m-{uuid.uuid4().hex[:8]}", f"a-{uuid.uuid4().hex[:8]}"
                await seed(app, member_id, activity_id)
                token = issue_access_token(key, subject=member_id, role=Role.MEMBER)
                headers = {"Authorization": f"Bearer {token}"}
                created = await http.post("/api/v1/clients", headers=headers,
                                          json={**CLIENT, "activity_id": activity_id})
                assert created.status_code == 201, created.text
                client_id = created.json()["id"]
                db = app.state.runtime.db
                raw = db["invoices_raw"]
                indexes = await db.invoices.index_information()
                for name, spec in indexes.items():
                    if name != "_id_":
                        options = {k: v for k, v in spec.items() if k in {"unique", "partialFilterExpression",
                                                                        "sparse"}}
                        await raw.create_index(spec["key"], name=name, **options)

                async def drafts(count: int) -> list[str]:
                    ids = []
                    for _ in range(count):
                        response = await http.post("/api/v1/invoices", headers=headers, json={
                            "activity_id": activity_id, "client_id": client_id, "lines": [LINE]})
                        assert response.status_code == 201, response.text
                        ids.append(response.json()["id"])
                    return ids

                async def issue(invoice_id: str) -> None:
                    response = await http.post(f"/api/v1/invoices/{invoice_id}/issue", headers=headers)
                    assert response.status_code == 200, response.text

                async def insert(doc: dict[str, Any]) -> None:
                    await raw.insert_one(doc)

                await in_parallel(await drafts(10), clients, issue)  # warm up
                rates: dict[str, list[float]] = {"issue": [], "raw": []}
                for _ in range(rounds):
                    ids = await drafts(invoices)
                    rates["issue"].append(await in_parallel(ids, clients, issue))
                    docs = [doc async for doc in db.invoices.find({"_id": {"$in": ids}})]
                    for doc in docs:  # same documents, new keys for the unique indexes
                        doc["_id"] = str(uuid.uuid4())
                        doc["number"] = f"R-{uuid.uuid4().hex}"
                        if "structured_communication" in doc:
                            doc["structured_communication"] = uuid.uuid4().hex
                    rates["raw"].append(await in_parallel(docs, clients, insert))
                numbers = sorted([d["number"] async for d in db.invoices.find({"number": {"$ne": None}},
                                                                             {"number": 1})])
                assert len(numbers) == len(set(numbers)) == 10 + invoices * rounds, len(numbers)
        finally:
            names = [f"{prefix}invoicing.{k}" for k in ("events", "dead-letter")]
            await asyncio.to_thread(delete_queues, infra.amqp_url, [*names, f"{prefix}coop.events.unrouted"])
    issue_rate, raw_rate = statistics.mean(rates["issue"]), statistics.mean(rates["raw"])
    print(f"{invoices} invoices per round, {rounds} alternating rounds, {clients} concurrent clients")
    print(f"  issue (gapless numbering, outbox event, PDF stored): {issue_rate:8.1f} invoices/s")
    print(f"  raw insert_one of the same documents:                {raw_rate:8.1f} documents/s")
    return {"issue": issue_rate / raw_rate}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.issue")
    parser.add_argument("--invoices", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv or [])
    return asyncio.run(measure(args.invoices, args.rounds, args.clients))


if __name__ == "__main__":
    for name, value in main(sys.argv[1:]).items():
        print(ratio_line(name, value))
