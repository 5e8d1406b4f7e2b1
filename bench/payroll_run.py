"""Benchmark: a month-end payroll run for 20,000 workers, against a raw bulk insert.

Usage: ``.venv/bin/python -m bench.payroll_run [--workers N]``

Starts its own SecantusDB (in memory), prepares N contracts whose work has
ended, one per worker, each worker with events of earlier months (not
timed), then measures side by side, in this one process:

- the payroll run (``payroll.service_layer.payroll_runs.run_payroll``): read
  the contracts, compute every payslip, write payslips and their
  ``payroll.payslip.issued.v1`` events through the outbox, chunk by chunk
  in transactions;
- a raw ``insert_many`` of the very same payslip documents into an
  identically indexed collection: the floor any implementation pays.

It prints both times and their ratio. The absolute numbers depend on the
machine and the database server; the ratio says how much the run adds on
top of just storing its output.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from coop_shared.contracts.payroll import PayslipIssued
from coop_shared.persistence.mongo import database, ensure_indexes, make_client
from coop_shared.persistence.outbox import OUTBOX_INDEXES, SEQUENCES_COLLECTION, Outbox
from coop_shared.service import Runtime
from coop_shared.testing.servers import start_secantusdb
from payroll.adapters.contracts_repository import CONTRACTS
from payroll.adapters.payslips_repository import PAYSLIPS
from payroll.config import PayrollSettings
from payroll.domain.guarantee import salary_due_date
from payroll.domain.rules import default_rule_book
from payroll.domain.salary import contract_salary
from payroll.main import INDEXES
from payroll.service_layer.payroll_runs import run_payroll
from payroll.service_layer.salary_requests import salary_document

MONTH_END = date(2026, 5, 31)


def contracts(first: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    rules = default_rule_book()
    result = []
    for index in range(first, first + count):
        days = rng.randint(1, 10)
        first = date(2026, 5, rng.randint(1, 31 - days + 1))
        dates = [first + timedelta(days=d) for d in range(days)]
        gross = Decimal(rng.randint(days * 9000, days * 40000)) / 100
        salary = contract_salary(rules, dates, gross=gross)
        created = datetime(2026, 4, 30, tzinfo=UTC)
        result.append({
            "_id": str(uuid.uuid4()), "salary_request_id": str(uuid.uuid4()), "member_id": f"member-{index}",
            "activity_id": f"activity-{index}", "basis": "employment",
            "work_dates": [d.isoformat() for d in dates], "first_work_day": dates[0].isoformat(),
            "last_work_day": dates[-1].isoformat(), "work_days": days,
            "dimona": {"reference": "DIM-000000000000", "status": "declared", "declared_at": created},
            "salary": salary_document(salary), "advance": Decimal("0.00"),
            "due_date": salary_due_date(dates[-1]).isoformat(), "created_at": created,
        })
    return result


async def measure(workers: int) -> dict[str, float]:
    server = start_secantusdb()
    client = make_client(server.url, app_name="bench-payroll", timeout_ms=300_000)
    try:
        db = database(client, "bench_payroll")
        await ensure_indexes(db, [*OUTBOX_INDEXES, *INDEXES])
        raw = db["payslips_raw"]
        await raw.create_indexes([spec.model() for spec in INDEXES if spec.collection == PAYSLIPS])
        rng = random.Random(2026)
        started = time.perf_counter()
        for start in range(0, workers, 1000):
            await db[CONTRACTS].insert_many(contracts(start, min(1000, workers - start), rng), ordered=False)
            # Every worker was paid before: their events carry on numbers the outbox already holds.
            await db[SEQUENCES_COLLECTION].insert_many(
                [{"_id": f"member-{index}", "seq": 2, "types": [PayslipIssued.event_type] * 2}
                 for index in range(start, min(start + 1000, workers))], ordered=False)
        print(f"setup: {workers} contracts stored in {time.perf_counter() - started:.1f} s (not measured)")

        settings = PayrollSettings(mongo_url=server.url, mongo_database="bench_payroll")
        runtime = Runtime(settings=settings, mongo=client, db=db, outbox=Outbox(db))
        now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        started = time.perf_counter()
        record = await run_payroll(runtime, default_rule_book(), as_of=MONTH_END, today=MONTH_END, now=now,
                                   by="bench", chunk_size=settings.payroll_run_chunk_size)
        run_seconds = time.perf_counter() - started
        assert record["payslips"] == workers, record
        events = await db["outbox"].count_documents({"type": "payroll.payslip.issued.v1"})
        assert events == workers, events

        documents = [doc async for doc in db[PAYSLIPS].find({})]
        started = time.perf_counter()
        await raw.insert_many(documents, ordered=False)
        raw_seconds = time.perf_counter() - started

        print(f"payroll run, {workers} payslips (+ {events} events): {run_seconds:.2f} s "
              f"({workers / run_seconds:,.0f} payslips/s)")
        print(f"raw insert_many of the same {len(documents)} payslips: {raw_seconds:.2f} s")
        print(f"time ratio run / raw insert: {run_seconds / raw_seconds:.2f} "
              f"(payslips/s ratio run / raw: {raw_seconds / run_seconds:.2f})")
        print(f"total net {record['total_net']} EUR, employer cost {record['total_employer_cost']} EUR")
    finally:
        await client.close()
        server.stop()
    return {"payroll": raw_seconds / run_seconds}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.payroll_run")
    parser.add_argument("--workers", type=int, default=20_000)
    args = parser.parse_args(argv or [])
    return asyncio.run(measure(args.workers))


if __name__ == "__main__":
    import sys

    from bench.support import ratio_line

    for name, value in main(sys.argv[1:]).items():
        print(ratio_line(name, value))
