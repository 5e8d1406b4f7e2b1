"""Faults while invoices are issued and paid: nothing lost, nothing applied twice, nothing stuck.

One platform of the suite's own (RabbitMQ node, SecantusDB, seven services, each its own process). For each
fault, a few operations (create, issue and pay an invoice through the gateway, each request with an
Idempotency-Key and retried by the client) run while the fault happens; then the suite waits for quiescence
and counts in the databases: payroll's ledger credits each payment exactly once, notifications' inbox holds
each event once per recipient, no outbox event is left pending, a poison message ends in the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from pymongo import MongoClient

from coop_shared.testing.dates import cooperative_today
from coop_shared.testing.servers import SecantusProcess, free_port, start_secantusdb
from tests.faults.broker import Broker
from tests.faults.platform import ADMIN_EMAIL, ADMIN_PASSWORD, Services

pytestmark = pytest.mark.faults

OPERATIONS = 6
PASSWORD = "a long enough passphrase 123"
PAYMENT = "121.00"
SERVICE_DATABASES = ["members", "invoicing", "payroll", "governance", "notifications", "gateway"]


@dataclass
class Row:
    fault: str
    operations: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    dead_lettered: int = 0
    api_errors: int = 0
    recovery_s: float = 0.0


@dataclass
class Suite:
    base: Path
    broker: Broker
    db: SecantusProcess
    db_port: int
    services: Services
    rows: list[Row] = field(default_factory=list)
    paid: int = 0  # payments acknowledged to the client so far

    def mongo(self) -> MongoClient[dict[str, Any]]:
        return MongoClient(self.db.url, serverSelectionTimeoutMS=5000)


class Client:
    """The gateway's client: every write carries an Idempotency-Key and is retried on errors and timeouts."""

    def __init__(self, gateway: str) -> None:
        self.http = httpx.Client(base_url=gateway, timeout=15.0)
        self.errors = 0
        self.headers: dict[str, dict[str, str]] = {}

    def send(self, method: str, path: str, who: str, ok: Callable[[httpx.Response], bool],
             json: Any = None, key: str | None = None, timeout: float = 180) -> httpx.Response:
        headers = dict(self.headers.get(who, {}))
        if key:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.http.request(method, path, json=json, headers=headers)
                if ok(response):
                    return response
                self.errors += 1
                last = f"{response.status_code} {response.text[:300]}"
            except httpx.HTTPError as exc:
                self.errors += 1
                last = repr(exc)
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} never succeeded: {last}")
            time.sleep(1.0)

    def login(self, who: str, email: str, password: str) -> None:
        response = self.send("POST", "/api/v1/auth/login", "-", lambda r: r.status_code == 200,
                             json={"email": email, "password": password}, timeout=60)
        self.headers[who] = {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    base = tmp_path_factory.mktemp("faults")
    # The node runs as the rabbitmq user, which cannot enter pytest's private temporary directories.
    broker_dir = Path(tempfile.mkdtemp(prefix="faults-rabbitmq-"))
    broker_dir.chmod(0o755)
    broker = Broker(broker_dir / "node")
    broker.start()
    db_port = free_port()
    db = start_secantusdb(str(base / "secantusdb"), port=db_port, log_dir=base)
    services = Services(base / "platform", db.url, broker.url)
    suite = Suite(base, broker, db, db_port, services)
    try:
        services.start_all()
        yield suite
    finally:
        services.stop_all()
        db.stop()
        broker.stop()
        shutil.rmtree(broker_dir, ignore_errors=True)
        print_table(suite.rows)


def print_table(rows: list[Row]) -> None:
    header = ("fault", "operations", "lost", "duplicated", "stuck", "dead-lettered", "API errors", "recovery s")
    lines = [header] + [(r.fault, str(r.operations), str(r.lost), str(r.duplicated), str(r.stuck),
                         str(r.dead_lettered), str(r.api_errors), f"{r.recovery_s:.1f}") for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print("\n" + "\n".join(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
                           for line in lines), flush=True)


@pytest.fixture(scope="module")
def actors(suite: Suite) -> dict[str, str]:
    """An admin (bootstrapped), a member with a confirmed share and an activity, and a client."""
    api = Client(suite.services.gateway)
    api.login("admin", ADMIN_EMAIL, ADMIN_PASSWORD)
    email = f"member-{uuid.uuid4().hex[:8]}@example.be"
    api.send("POST", "/api/v1/auth/register", "-", lambda r: r.status_code == 201, json={
        "email": email, "password": PASSWORD, "full_name": "Faults Member", "language": "en",
        "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
        "iban": "BE71096123456769"}, key=str(uuid.uuid4()))
    api.login("member", email, PASSWORD)
    share = api.send("POST", "/api/v1/shares", "member", lambda r: r.status_code == 201, json={"quantity": 1},
                     key=str(uuid.uuid4()))
    api.send("POST", f"/api/v1/admin/shares/{share.json()['id']}/confirm-payment", "admin",
             lambda r: r.status_code in (200, 201), key=str(uuid.uuid4()))
    activity = api.send("POST", "/api/v1/activities", "member", lambda r: r.status_code == 201,
                        json={"name": "Atelier", "sector": "arts_and_culture"}, key=str(uuid.uuid4()), timeout=60)
    client = api.send("POST", "/api/v1/clients", "member", lambda r: r.status_code == 201, json={
        "activity_id": activity.json()["id"], "kind": "company", "name": "Théâtre de la Lune SRL",
        "email": "compta@theatre-lune.example", "vat_number": "BE0765432146",
        "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"}},
        key=str(uuid.uuid4()), timeout=60)
    return {"admin": api.headers["admin"]["Authorization"], "member": api.headers["member"]["Authorization"],
            "member_id": share.json().get("member_id", ""), "activity_id": activity.json()["id"],
            "client_id": client.json()["id"]}


def operation(api: Client, actors: dict[str, str]) -> None:
    """Create, issue and pay one invoice; each step retried with its own Idempotency-Key until it is done."""
    draft = api.send("POST", "/api/v1/invoices", "member", lambda r: r.status_code in (200, 201), json={
        "activity_id": actors["activity_id"], "client_id": actors["client_id"], "buyer_reference": "PO-F",
        "lines": [{"description": "Stage design", "quantity": "1", "unit": "C62", "unit_price": "100.00",
                   "vat_rate": "21"}]}, key=str(uuid.uuid4()))
    invoice_id = draft.json()["id"]
    api.send("POST", f"/api/v1/invoices/{invoice_id}/issue", "member",
             lambda r: r.status_code == 200 or (r.status_code == 409 and "already" in r.text),
             key=str(uuid.uuid4()))
    api.send("POST", "/api/v1/payments", "admin",
             lambda r: r.status_code in (200, 201) or (r.status_code == 409 and "already_paid" in r.text),
             json={"invoice_id": invoice_id, "amount": PAYMENT, "received_on": cooperative_today().isoformat(),
                   "reference": f"fault-{invoice_id[:8]}"}, key=str(uuid.uuid4()))


def run_fault(suite: Suite, actors: dict[str, str], name: str, fault: Callable[[], None] | None,
              operations: int = OPERATIONS) -> Row:
    """Operations run in a thread while ``fault`` runs here; then quiescence is awaited and the books counted."""
    api = Client(suite.services.gateway)
    api.headers = {"admin": {"Authorization": actors["admin"]}, "member": {"Authorization": actors["member"]}}
    failures: list[BaseException] = []

    def load() -> None:
        try:
            for _ in range(operations):
                operation(api, actors)
                time.sleep(0.3)
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    time.sleep(1.5)  # the fault strikes while operations are in flight
    if fault is not None:
        fault()
    fault_over = time.monotonic()
    worker.join(timeout=300)
    assert not worker.is_alive(), f"{name}: the operations did not finish within 300 s"
    assert not failures, f"{name}: {failures[0]!r}"
    suite.paid += operations
    row = Row(name, operations=operations, api_errors=api.errors)
    wait_quiet(suite, row, fault_over)
    suite.rows.append(row)
    return row


def credited(suite: Suite) -> int:
    with suite.mongo() as mongo:
        return mongo["coop_payroll"]["ledger_transactions"].count_documents({"kind": "client_payment"})


def pending_outbox(suite: Suite, older_than: float | None = None) -> int:
    query: dict[str, Any] = {"status": "pending"}
    if older_than is not None:
        query["created_at"] = {"$lt": datetime.now(UTC) - timedelta(seconds=older_than)}
    with suite.mongo() as mongo:
        return sum(mongo[f"coop_{name}"]["outbox"].count_documents(query) for name in SERVICE_DATABASES)


def queued(suite: Suite) -> int:
    result = suite.broker.ctl("list_queues", "-q", "name", "messages")
    total = 0
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and "dead-letter" not in parts[0] and "unrouted" not in parts[0]:
            total += int(parts[1])
    return total


def inbox_duplicates(suite: Suite) -> int:
    with suite.mongo() as mongo:
        groups = mongo["coop_notifications"]["inbox"].aggregate([
            {"$group": {"_id": {"e": "$event_id", "r": "$recipient_id"}, "n": {"$sum": 1}}},
            {"$match": {"n": {"$gt": 1}}}])
        return sum(group["n"] - 1 for group in groups)


def wait_quiet(suite: Suite, row: Row, since: float, timeout: float = 240) -> None:
    """Quiescence: every payment credited, outboxes drained, consumer queues empty (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if credited(suite) >= suite.paid and pending_outbox(suite) == 0 and queued(suite) == 0:
                break
        except Exception:  # the database or the broker is still coming back
            pass
        time.sleep(1.0)
    row.recovery_s = time.monotonic() - since
    found = credited(suite)
    row.lost = max(0, suite.paid - found)
    row.duplicated = max(0, found - suite.paid) + inbox_duplicates(suite)
    row.stuck = pending_outbox(suite, older_than=10)


def test_no_fault(suite: Suite, actors: dict[str, str]) -> None:
    row = run_fault(suite, actors, "none", None)
    assert (row.lost, row.duplicated, row.stuck) == (0, 0, 0), row


def test_broker_killed(suite: Suite, actors: dict[str, str]) -> None:
    def fault() -> None:
        suite.broker.kill()
        time.sleep(10)
        suite.broker.start()
        suite.services.wait_ready(["members", "invoicing", "payroll", "notifications", "gateway"], 180)

    row = run_fault(suite, actors, "broker kill -9, down 10 s", fault)
    assert (row.lost, row.duplicated, row.stuck) == (0, 0, 0), row


def test_consumer_killed(suite: Suite, actors: dict[str, str]) -> None:
    def fault() -> None:
        suite.services.kill("payroll")
        time.sleep(8)
        suite.services.start("payroll")
        suite.services.wait_ready(["payroll"], 120)

    row = run_fault(suite, actors, "payroll kill -9, back after 8 s", fault)
    assert (row.lost, row.duplicated, row.stuck) == (0, 0, 0), row


def test_poison_message(suite: Suite, actors: dict[str, str]) -> None:
    queue = "payroll.dead-letter"

    async def publish_and_count() -> int:
        connection = await aio_pika.connect(suite.broker.url)
        async with connection:
            channel = await connection.channel()
            before = (await channel.declare_queue(queue, passive=True)).declaration_result.message_count
            exchange = await channel.get_exchange("coop.events")
            await exchange.publish(aio_pika.Message(b"{not an event", message_id=str(uuid.uuid4())),
                                   routing_key="invoicing.payment.received.v1")
            for _ in range(120):
                await asyncio.sleep(0.5)
                count = (await channel.declare_queue(queue, passive=True)).declaration_result.message_count
                if count > before:
                    return count - before
            return 0

    dead: list[int] = []
    row = run_fault(suite, actors, "poison message to payroll", lambda: dead.append(asyncio.run(publish_and_count())),
                    operations=3)
    row.dead_lettered = dead[0]
    assert row.dead_lettered == 1, row
    assert (row.lost, row.duplicated, row.stuck) == (0, 0, 0), row
