"""Backups of the services' databases, their restore, and the restore drill.

The files are laid out as ``mongodump`` lays them out (one folder per
database, ``<collection>.bson`` holding the documents back to back as BSON,
``<collection>.metadata.json`` with the indexes), so a dump made here is
restored by ``mongorestore`` and a ``mongodump`` is restored here. Documents
are copied as raw BSON, never decoded: a Decimal128 amount or a timestamp is
written back bit for bit.

The drill is what proves a backup is worth keeping: it restores a dump into
scratch databases, compares every collection's count with the dump, checks
that every ledger transaction of payroll still balances to zero (and the
ledger as a whole), and drops the scratch databases again.

    python -m coop_shared.ops.backup dump    --mongo-url URL --out DIR [--db coop_payroll ...]
    python -m coop_shared.ops.backup restore --mongo-url URL --from DIR [--suffix _restored]
    python -m coop_shared.ops.backup drill   --mongo-url URL --from DIR
    python -m coop_shared.ops.backup prune   --dir ROOT --keep-days 35
    python -m coop_shared.ops.backup definitions --management-url URL --out DIR   (RabbitMQ topology)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bson import BSON, CodecOptions
from bson.decimal128 import Decimal128
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.clock import wall_time

RAW = CodecOptions(document_class=RawBSONDocument)
# Collections whose loss is recoverable and whose copy is not wanted: none today.
SKIPPED_COLLECTIONS: frozenset[str] = frozenset()
LEDGER = "ledger_transactions"
BATCH = 1000


@dataclass
class DrillReport:
    databases: dict[str, dict[str, int]] = field(default_factory=dict)
    count_mismatches: list[str] = field(default_factory=list)
    unbalanced_transactions: list[str] = field(default_factory=list)
    ledger_total: dict[str, Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (not self.count_mismatches and not self.unbalanced_transactions
                and all(total == 0 for total in self.ledger_total.values()))

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "databases": self.databases, "count_mismatches": self.count_mismatches,
                "unbalanced_transactions": self.unbalanced_transactions,
                "ledger_total": {db: str(total) for db, total in self.ledger_total.items()}}


def _client(url: str) -> AsyncMongoClient[RawBSONDocument]:
    return AsyncMongoClient(url, document_class=RawBSONDocument, serverSelectionTimeoutMS=10_000)


async def service_databases(client: AsyncMongoClient[Any], prefix: str = "coop_") -> list[str]:
    return sorted(name for name in await client.list_database_names() if name.startswith(prefix))


async def dump_database(db: AsyncDatabase[RawBSONDocument], out: Path) -> dict[str, int]:
    """Every collection of ``db`` into ``out/<db>/``; returns the documents written per collection."""
    folder = out / db.name
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in sorted(await db.list_collection_names()):
        if name in SKIPPED_COLLECTIONS or name.startswith("system."):
            continue
        collection = db.get_collection(name, codec_options=RAW)
        written = 0
        with (folder / f"{name}.bson").open("wb") as file:
            # Natural order is enough: a dump is a set of documents, restored by _id.
            async for document in collection.find({}, batch_size=BATCH):
                file.write(document.raw)
                written += 1
        indexes = [_index_metadata(spec) async for spec in await collection.list_indexes()]
        metadata = {"indexes": indexes, "collectionName": name, "type": "collection"}
        (folder / f"{name}.metadata.json").write_text(json.dumps(metadata, default=str), encoding="utf-8")
        counts[name] = written
    return counts


def dump_folders(source: Path) -> list[Path]:
    """One folder per database in a dump."""
    return sorted(p for p in source.iterdir() if p.is_dir())


def _index_metadata(spec: Any) -> dict[str, Any]:
    plain = {key: spec[key] for key in spec}
    plain["key"] = {key: _plain_number(value) for key, value in dict(spec["key"]).items()}
    plain.pop("ns", None)
    return plain


def _plain_number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def read_dump(folder: Path) -> dict[str, list[RawBSONDocument]]:
    """The documents of one database's dump folder, per collection."""
    collections: dict[str, list[RawBSONDocument]] = {}
    for path in sorted(folder.glob("*.bson")):
        data = path.read_bytes()
        documents, offset = [], 0
        while offset < len(data):
            size = int.from_bytes(data[offset:offset + 4], "little")
            documents.append(RawBSONDocument(data[offset:offset + size]))
            offset += size
        collections[path.stem] = documents
    return collections


async def restore_database(client: AsyncMongoClient[RawBSONDocument], folder: Path, target: str,
                           *, drop: bool = True) -> dict[str, int]:
    """Restore one dump folder into database ``target``: indexes first (unique
    rules hold during the load), then the documents in batches."""
    db = client.get_database(target, codec_options=RAW)
    counts: dict[str, int] = {}
    for name, documents in read_dump(folder).items():
        collection = db.get_collection(name)
        if drop:
            await collection.drop()
        metadata_path = folder / f"{name}.metadata.json"
        if metadata_path.exists():
            models = [_index_model(spec) for spec in json.loads(metadata_path.read_text())["indexes"]
                      if spec.get("name") != "_id_"]
            if models:
                await collection.create_indexes(models)
        for start in range(0, len(documents), BATCH):
            await collection.insert_many(documents[start:start + BATCH], ordered=False)
        counts[name] = len(documents)
    return counts


def _index_model(spec: dict[str, Any]) -> IndexModel:
    options = {key: value for key, value in spec.items() if key not in {"key", "v", "ns"}}
    return IndexModel(list(spec["key"].items()), **options)


async def ledger_check(db: AsyncDatabase[RawBSONDocument]) -> tuple[list[str], Decimal]:
    """Transactions whose postings do not sum to zero, and the ledger's total
    (zero when every transaction balances). Summed here in Decimal, not in the
    database, so the check does not depend on the server's arithmetic."""
    unbalanced: list[str] = []
    total = Decimal(0)
    async for raw in db.get_collection(LEDGER).find({}, batch_size=BATCH):
        document = BSON(raw.raw).decode()
        amounts = [_decimal(p["amount"]) for p in document.get("postings", [])]
        if sum(amounts, Decimal(0)) != 0:
            unbalanced.append(str(document["_id"]))
        total += sum(amounts, Decimal(0))
    return unbalanced, total


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(str(value))


async def dump(url: str, out: Path, databases: Sequence[str] = ()) -> dict[str, dict[str, int]]:
    client = _client(url)
    try:
        names = list(databases) or await service_databases(client)
        return {name: await dump_database(client.get_database(name, codec_options=RAW), out) for name in names}
    finally:
        await client.close()


async def restore(url: str, source: Path, *, suffix: str = "", drop: bool = True) -> dict[str, dict[str, int]]:
    client = _client(url)
    try:
        return {folder.name + suffix: await restore_database(client, folder, folder.name + suffix, drop=drop)
                for folder in dump_folders(source)}
    finally:
        await client.close()


async def drill(url: str, source: Path, *, keep: bool = False) -> DrillReport:
    """Restore ``source`` into scratch databases and check them."""
    suffix = f"_drill_{int(time.time())}"
    report = DrillReport()
    client = _client(url)
    try:
        for folder in dump_folders(source):
            scratch = (folder.name + suffix)[:63]
            expected = {name: len(docs) for name, docs in read_dump(folder).items()}
            await restore_database(client, folder, scratch)
            db = client.get_database(scratch, codec_options=RAW)
            found = {name: await db.get_collection(name).count_documents({}) for name in expected}
            report.databases[folder.name] = found
            report.count_mismatches += [f"{folder.name}.{name}: dump {expected[name]}, restored {found[name]}"
                                        for name in expected if expected[name] != found[name]]
            if LEDGER in expected:
                unbalanced, total = await ledger_check(db)
                report.unbalanced_transactions += [f"{folder.name}:{key}" for key in unbalanced]
                report.ledger_total[folder.name] = total
            if not keep:
                await client.drop_database(scratch)
    finally:
        await client.close()
    return report


def prune(root: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Remove dated backup folders (``YYYY-MM-DDTHHMMSSZ``) older than ``keep_days``."""
    limit = (now or wall_time()) - timedelta(days=keep_days)
    removed = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            taken = datetime.strptime(folder.name, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            continue  # not ours
        if taken < limit:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def export_definitions(management_url: str, out: Path, username: str, password: str) -> Path:
    """RabbitMQ's definitions (exchanges, queues, bindings, policies, users), as
    ``rabbitmqctl import_definitions`` and the management UI import them."""
    import httpx

    response = httpx.get(management_url.rstrip("/") + "/api/definitions", auth=(username, password), timeout=30)
    response.raise_for_status()
    folder = out / wall_time().strftime("%Y-%m-%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "definitions.json"
    target.write_text(json.dumps(response.json(), indent=1, sort_keys=True), encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coop-backup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="dump the coop_* databases (or --db ones)")
    dumping.add_argument("--mongo-url", required=True)
    dumping.add_argument("--out", type=Path, required=True,
                         help="a folder; a dated sub-folder is made in it unless --exact")
    dumping.add_argument("--db", action="append", default=[])
    dumping.add_argument("--exact", action="store_true")
    restoring = commands.add_parser("restore", help="restore a dump folder")
    restoring.add_argument("--mongo-url", required=True)
    restoring.add_argument("--from", dest="source", type=Path, required=True)
    restoring.add_argument("--suffix", default="", help="restore coop_x as coop_x<suffix>")
    drilling = commands.add_parser("drill", help="restore into scratch databases and check counts and ledgers")
    drilling.add_argument("--mongo-url", required=True)
    drilling.add_argument("--from", dest="source", type=Path, required=True)
    pruning = commands.add_parser("prune", help="remove dated backups older than --keep-days")
    pruning.add_argument("--dir", type=Path, required=True)
    pruning.add_argument("--keep-days", type=int, required=True)
    definitions = commands.add_parser("definitions", help="export RabbitMQ's definitions")
    definitions.add_argument("--management-url", required=True)
    definitions.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "dump":
        out = args.out if args.exact else args.out / wall_time().strftime("%Y-%m-%dT%H%M%SZ")
        counts = asyncio.run(dump(args.mongo_url, out, args.db))
        print(json.dumps({"out": str(out), "databases": counts}))
        return 0
    if args.command == "restore":
        print(json.dumps({"databases": asyncio.run(restore(args.mongo_url, args.source, suffix=args.suffix))}))
        return 0
    if args.command == "drill":
        report = asyncio.run(drill(args.mongo_url, args.source))
        print(json.dumps(report.as_json()))
        return 0 if report.ok else 1
    if args.command == "definitions":
        import os

        target = export_definitions(args.management_url, args.out, os.environ.get("RABBITMQ_USERNAME", "guest"),
                                    os.environ.get("RABBITMQ_PASSWORD", "guest"))
        print(json.dumps({"out": str(target)}))
        return 0
    removed = prune(args.dir, args.keep_days)
    print(json.dumps({"removed": [str(p) for p in removed]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
