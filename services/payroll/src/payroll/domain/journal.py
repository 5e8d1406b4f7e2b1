"""The cooperative-wide journal: every ledger transaction as a double-entry entry an accountant can import.

One entry per transaction (its ``source_key`` is the entry's id, so an import can be repeated without
doubles), dated by the Brussels day the money moved, one line per posting with a debit or a credit column
and the chart-of-accounts code (``payroll.domain.chart_of_accounts``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from coop_shared.clock import COOPERATIVE_TZ
from coop_shared.periods import check_period, day_bounds
from payroll.domain.chart_of_accounts import ChartOfAccounts
from payroll.domain.ledger import Transaction
from payroll.domain.money import ZERO, fmt

# An accounting year and a bit: a longer export is asked for in several periods.


@dataclass(frozen=True, slots=True)
class JournalLine:
    account_code: str
    account_name: str
    analytic: str | None
    ledger_account: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class JournalEntry:
    entry_id: str
    kind: str
    booked_on: date
    occurred_at: datetime
    memo: str
    lines: tuple[JournalLine, ...]


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants from the start of ``first`` to the end of ``last``, both Brussels days, ``[start, end)``."""
    check_period(first, last, what="A journal export")
    return day_bounds(first, last, COOPERATIVE_TZ)


def journal_entry(transaction: Transaction, chart: ChartOfAccounts) -> JournalEntry:
    lines = []
    for posting in transaction.postings:
        account = chart.account(posting.account)
        lines.append(JournalLine(
            account_code=account.code, account_name=account.name, analytic=account.analytic,
            ledger_account=posting.account,
            debit=posting.amount if posting.amount > 0 else ZERO,
            credit=-posting.amount if posting.amount < 0 else ZERO,
        ))
    return JournalEntry(
        entry_id=transaction.source_key, kind=transaction.kind.value,
        booked_on=transaction.occurred_at.astimezone(COOPERATIVE_TZ).date(), occurred_at=transaction.occurred_at,
        memo=transaction.memo, lines=tuple(lines),
    )


CSV_HEADER = ("entry_id", "booked_on", "kind", "account_code", "account_name", "analytic", "ledger_account",
              "debit", "credit", "memo")


def csv_rows(entry: JournalEntry) -> Iterator[tuple[str, ...]]:
    """One row per line; amounts with a dot and two decimals, an empty cell for the side a line is not on."""
    for line in entry.lines:
        yield (entry.entry_id, entry.booked_on.isoformat(), entry.kind, line.account_code, line.account_name,
               line.analytic or "", line.ledger_account, fmt(line.debit) if line.debit else "",
               fmt(line.credit) if line.credit else "", entry.memo)
