"""GET /api/v1/accounting/journal (admin): the cooperative-wide double-entry journal for a period, JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from coop_shared.auth.dependencies import AdminPrincipal
from coop_shared.periods import MAX_PERIOD_DAYS
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.journal import CSV_HEADER, JournalEntry, csv_rows, journal_entry, period_bounds
from payroll.entrypoints.api.deps import ContextDep, PageDep, RuntimeDep
from payroll.entrypoints.api.schemas import Money

router = APIRouter(prefix="/api/v1/accounting", tags=["accounting"])


class JournalLineOut(BaseModel):
    account_code: str = Field(description="The chart-of-accounts code (PCMN by default, e.g. 550 bank, 451 VAT).")
    account_name: str
    analytic: str | None = Field(description="The activity an activity's own account belongs to.")
    ledger_account: str = Field(description="The platform's ledger account the line was posted to.")
    debit: Money
    credit: Money


class JournalEntryOut(BaseModel):
    entry_id: str = Field(description="Stable: the same transaction has the same id in every export.")
    kind: str
    booked_on: date = Field(description="The Brussels day the money moved.")
    occurred_at: datetime
    memo: str
    lines: list[JournalLineOut] = Field(description="Debits equal credits in every entry.")


class JournalPage(BaseModel):
    period_start: date
    period_end: date
    items: list[JournalEntryOut]
    next_cursor: str | None = None


def _entry_out(entry: JournalEntry) -> JournalEntryOut:
    return JournalEntryOut(
        entry_id=entry.entry_id, kind=entry.kind, booked_on=entry.booked_on, occurred_at=entry.occurred_at,
        memo=entry.memo,
        lines=[JournalLineOut(account_code=line.account_code, account_name=line.account_name,
                              analytic=line.analytic, ledger_account=line.ledger_account,
                              debit=line.debit, credit=line.credit) for line in entry.lines])


class _CsvChunks:
    """Rows to CSV text through one buffer and one writer, emptied as each chunk is taken."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def write(self, row: tuple[str, ...]) -> None:
        self._writer.writerow(row)

    def take(self) -> str:
        chunk = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return chunk


@router.get("/journal", response_model=JournalPage, summary="The double-entry journal of a period",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "JSON pages, or with format=csv the whole period in one file "
                                            "(one row per line: " + ", ".join(CSV_HEADER) + ")."}})
async def get_journal(
    _: AdminPrincipal, runtime: RuntimeDep, context: ContextDep, page: PageDep,
    from_: Annotated[date, Query(alias="from", description="First Brussels day of the period.")],
    to: Annotated[date, Query(description=f"Last Brussels day of the period (inclusive; at most "
                                          f"{MAX_PERIOD_DAYS} days after `from`).")],
    format: Annotated[Literal["json", "csv"], Query(description="csv: the whole period as one file.")] = "json",
) -> JournalPage | StreamingResponse:
    """Every transaction of the ledger whose money moved in the period: sales received, VAT, the contribution,
    internal transfers, salaries and their payment, guarantee advances, write-offs and refunds."""
    start, end = period_bounds(from_, to)
    ledger = LedgerRepository(runtime.db, runtime.clock)
    if format == "csv":
        async def rows() -> AsyncIterator[str]:
            chunks = _CsvChunks()
            chunks.write(CSV_HEADER)
            async for transaction in ledger.journal(start, end):
                for row in csv_rows(journal_entry(transaction, context.chart)):
                    chunks.write(row)
                yield chunks.take()  # one chunk per entry: its lines stay together
            yield chunks.take()

        filename = f"journal-{from_.isoformat()}-{to.isoformat()}.csv"
        return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    transactions, cursor = await ledger.journal_page(start, end, page.limit, page.cursor)
    return JournalPage(period_start=from_, period_end=to, next_cursor=cursor,
                       items=[_entry_out(journal_entry(t, context.chart)) for t in transactions])
