"""Backups restore: a dump of real service data, restored by the drill into
scratch databases, has every document back, Decimal128 amounts bit for bit,
the unique rules in force, and a payroll ledger that still balances; a dump
of a ledger that does not balance fails the drill."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import SystemClock
from coop_shared.ops import backup
from coop_shared.persistence.mongo import database, ensure_indexes, in_transaction, make_client
from coop_shared.testing.servers import Infrastructure
from payroll.adapters.ledger_repository import INDEXES as LEDGER_INDEXES
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import Posting, Transaction, TransactionKind

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
async def mongo(infrastructure: Infrastructure) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = make_client(infrastructure.mongo_url, app_name="backup-tests")
    yield client
    await client.close()


async def _seed_payroll(mongo: AsyncMongoClient[dict[str, Any]], name: str, payments: int) -> None:
    """Ledger transactions written by payroll's own repository, as the service writes them."""
    db = database(mongo, name)
    await ensure_indexes(db, LEDGER_INDEXES)
    ledger = LedgerRepository(db, SystemClock())
    for n in range(payments):
        amount = Decimal("121.00") + n
        vat = (amount * Decimal("21") / Decimal("121")).quantize(Decimal("0.01"))
        share = ((amount - vat) * Decimal("0.9")).quantize(Decimal("0.01"))
        payment = Transaction(f"payment-{n}", TransactionKind.CLIENT_PAYMENT, (
            Posting("bank", amount), Posting("vat_payable", -vat), Posting("contribution", -(amount - vat - share)),
            Posting(f"activity:a{n % 3}", -share)), NOW - timedelta(days=n))

        async def work(session: Any, payment: Transaction = payment, n: int = n) -> None:
            await ledger.add([payment], f"a{n % 3}", session)

        await in_transaction(mongo, work)


async def _seed_invoicing(mongo: AsyncMongoClient[dict[str, Any]], name: str) -> None:
    db = database(mongo, name)
    await db.invoices.create_index([("number", 1)], unique=True, name="invoices_number_unique")
    await db.invoices.insert_many([
        {"_id": f"inv-{n}", "number": f"2026-{n:06d}", "total": Decimal("0.10") * n + Decimal("0.20"),
         "issued_at": NOW} for n in range(1, 26)])


async def test_the_drill_restores_every_document_and_a_balanced_ledger(
        mongo: AsyncMongoClient[dict[str, Any]], infrastructure: Infrastructure, namespace: str,
        tmp_path: Path) -> None:
    payroll_db, invoicing_db = f"{namespace}_payroll", f"{namespace}_invoicing"
    await _seed_payroll(mongo, payroll_db, 40)
    await _seed_invoicing(mongo, invoicing_db)

    counts = await backup.dump(infrastructure.mongo_url, tmp_path, [payroll_db, invoicing_db])
    assert counts[payroll_db]["ledger_transactions"] == 40
    assert counts[invoicing_db]["invoices"] == 25
    # mongodump's layout: documents and indexes per collection.
    metadata = json.loads((tmp_path / invoicing_db / "invoices.metadata.json").read_text())
    assert {"invoices_number_unique", "_id_"} <= {index["name"] for index in metadata["indexes"]}

    report = await backup.drill(infrastructure.mongo_url, tmp_path)
    assert report.ok, report.as_json()
    assert report.databases[payroll_db]["ledger_transactions"] == 40
    assert report.databases[invoicing_db]["invoices"] == 25
    assert report.ledger_total[payroll_db] == 0
    # The scratch databases are gone again.
    assert not [name for name in await mongo.list_database_names() if "_drill_" in name]

    # A restore under another name: the amounts are the same Decimal128s, the unique rule holds.
    await backup.restore(infrastructure.mongo_url, tmp_path, suffix="_restored")
    restored = database(mongo, invoicing_db + "_restored")
    original = database(mongo, invoicing_db)
    assert [d async for d in restored.invoices.find().sort("_id")] == \
        [d async for d in original.invoices.find().sort("_id")]
    with pytest.raises(DuplicateKeyError):
        await restored.invoices.insert_one({"_id": "dup", "number": "2026-000001"})
    restored_ledger = database(mongo, payroll_db + "_restored")
    balances = await LedgerRepository(restored_ledger, SystemClock()).account_balances()
    assert sum(balances.values(), Decimal(0)) == 0 and balances["bank"] > 0
    for name in (invoicing_db, payroll_db):
        await mongo.drop_database(name + "_restored")


async def test_the_drill_fails_on_a_ledger_that_does_not_balance(
        mongo: AsyncMongoClient[dict[str, Any]], infrastructure: Infrastructure, namespace: str,
        tmp_path: Path) -> None:
    payroll_db = f"{namespace}_payroll"
    await _seed_payroll(mongo, payroll_db, 3)
    # A transaction that was corrupted behind the service's back (the domain refuses to write one).
    await database(mongo, payroll_db).ledger_transactions.insert_one(
        {"_id": "corrupt", "kind": "client_payment", "postings": [
            {"account": "bank", "amount": Decimal("10.00")}, {"account": "activity:a0", "amount": Decimal("-9.99")}]})
    await backup.dump(infrastructure.mongo_url, tmp_path, [payroll_db])

    # The command line, as the CronJob and the runbook run it.
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "coop_shared.ops.backup", "drill",
                           "--mongo-url", infrastructure.mongo_url, "--from", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert report["unbalanced_transactions"] == [f"{payroll_db}:corrupt"]
    assert report["ledger_total"][payroll_db] == "0.01"


def test_prune_keeps_the_retention_window(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    for days in (0, 10, 34, 36, 400):
        (tmp_path / (now - timedelta(days=days)).strftime("%Y-%m-%dT%H%M%SZ")).mkdir()
    (tmp_path / "not-a-backup").mkdir()
    removed = backup.prune(tmp_path, keep_days=35, now=now)
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [(now - timedelta(days=d)).strftime("%Y-%m-%dT%H%M%SZ") for d in (0, 10, 34)] + ["not-a-backup"])
