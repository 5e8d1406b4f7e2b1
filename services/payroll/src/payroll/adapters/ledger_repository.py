"""The ledger in MongoDB.

- ``ledger_transactions``: one document per transaction, its balanced
  postings embedded, so a transaction is written whole or not at all. The
  ``_id`` IS the source key (the event or request that caused it): the
  unique ``_id`` index is what makes a replayed event book nothing twice.
  Transactions are only ever inserted, never updated nor deleted.
- ``activity_positions``: per activity, the figures decisions need now
  (available budget, outstanding advance, receivables cover, statement
  totals), kept in step with the transactions in the same database
  transaction, and versioned by ``sequence`` (optimistic lock).
- ``receivables``: per invoice, what the guarantee may still count on.
- ``activity_years``: per activity and calendar year (Brussels), the same
  statement totals, incremented by each change in the same transaction as the
  position, so a year's statement never needs the ledger replayed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from coop_shared.clock import COOPERATIVE_TZ, Clock
from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
from coop_shared.persistence.mongo import Document, IndexSpec
from payroll.domain.ledger import Posting, Transaction, TransactionKind
from payroll.domain.money import ZERO
from payroll.domain.position import ActivityPosition, Receivable, Totals

TRANSACTIONS = "ledger_transactions"
POSITIONS = "activity_positions"
RECEIVABLES = "receivables"
YEARS = "activity_years"

INDEXES = [
    # The accountants' journal: a period in date order.
    IndexSpec(TRANSACTIONS, [("occurred_at", 1), ("_id", 1)], "transactions_by_date"),
    IndexSpec(TRANSACTIONS, [("activity_id", 1), ("recorded_at", -1), ("_id", -1)], "transactions_by_activity"),
    IndexSpec(TRANSACTIONS, [("also_activity_ids", 1), ("recorded_at", -1), ("_id", -1)],
              "transactions_by_other_activity"),
    IndexSpec(RECEIVABLES, [("activity_id", 1)], "receivables_by_activity"),
    IndexSpec(POSITIONS, [("advance", -1), ("_id", 1)], "positions_by_exposure"),
    IndexSpec(YEARS, [("activity_id", 1), ("year", -1)], "years_by_activity", unique=True),
]



class StaleState(Exception):
    """Another writer changed the activity's position since it was read: redo the work from a fresh read."""


def transaction_document(transaction: Transaction, activity_id: str | None, recorded_at: datetime) -> Document:
    return {
        "_id": transaction.source_key,
        "kind": transaction.kind.value,
        "activity_id": activity_id,
        "occurred_at": transaction.occurred_at,
        "recorded_at": recorded_at,
        "memo": transaction.memo,
        "postings": [{"account": p.account, "amount": p.amount} for p in transaction.postings],
    }


def transaction_from(doc: Document) -> Transaction:
    occurred = doc["occurred_at"]
    return Transaction(
        doc["_id"], TransactionKind(doc["kind"]),
        tuple(Posting(p["account"], Decimal(str(p["amount"]))) for p in doc["postings"]),
        occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC), doc.get("memo", ""))


def _position_document(position: ActivityPosition, now: datetime) -> Document:
    return {
        "available": position.available,
        "advance": position.advance,
        "receivables": position.receivables,
        "sequence": position.sequence,
        "totals": position.totals.to_dict(),
        "updated_at": now,
    }


def position_from(doc: Document) -> ActivityPosition:
    return ActivityPosition(
        activity_id=doc["_id"],
        available=doc["available"],
        advance=doc["advance"],
        receivables=doc["receivables"],
        sequence=int(doc["sequence"]),
        totals=Totals.from_dict(doc.get("totals", {})),
    )


def _receivable_from(doc: Document) -> Receivable:
    return Receivable(
        invoice_id=doc["_id"],
        activity_id=doc["activity_id"],
        issued_share=doc.get("issued_share"),
        paid_share=doc.get("paid_share", ZERO),
        settled_outstanding=doc.get("settled_outstanding"),
        written_off=bool(doc.get("written_off", False)),
        credited=bool(doc.get("credited", False)),
        credited_share=doc.get("credited_share", ZERO),
        refunded_share=doc.get("refunded_share", ZERO),
        credit_notes=tuple(doc.get("credit_notes", ())),
        internal=bool(doc.get("internal", False)),
    )


def _in_period(start: datetime, end: datetime) -> Document:
    return {"occurred_at": {"$gte": start.astimezone(UTC), "$lt": end.astimezone(UTC)}}


class LedgerRepository:
    def __init__(self, db: AsyncDatabase[Document], clock: Clock) -> None:
        self._clock = clock  # when a record is written (the service's clock, ahead in rehearsals)
        self._transactions = db[TRANSACTIONS]
        self._positions = db[POSITIONS]
        self._receivables = db[RECEIVABLES]
        self._years = db[YEARS]

    async def position(self, activity_id: str, session: AsyncClientSession | None = None) -> ActivityPosition:
        doc = await self._positions.find_one({"_id": activity_id}, session=session)
        return ActivityPosition(activity_id) if doc is None else position_from(doc)

    async def find_position(self, activity_id: str) -> ActivityPosition | None:
        doc = await self._positions.find_one({"_id": activity_id})
        return None if doc is None else position_from(doc)

    async def save_position(self, before: ActivityPosition, after: ActivityPosition,
                            session: AsyncClientSession, *, occurred_at: datetime) -> None:
        """Write ``after`` only if the stored position is still ``before`` (same sequence), and add the change
        to the statement of the year ``occurred_at`` falls in."""
        document = _position_document(after, self._clock.now())
        if before.sequence == 0:
            try:
                await self._positions.insert_one({"_id": after.activity_id, **document}, session=session)
            except DuplicateKeyError as exc:
                raise StaleState(after.activity_id) from exc
        else:
            result = await self._positions.update_one(
                {"_id": after.activity_id, "sequence": before.sequence}, {"$set": document}, session=session
            )
            if result.matched_count != 1:
                raise StaleState(after.activity_id)
        await self._add_to_year(after.activity_id, occurred_at, after.totals.delta_since(before.totals), session)

    async def _add_to_year(self, activity_id: str, occurred_at: datetime, delta: dict[str, Any],
                           session: AsyncClientSession) -> None:
        if not delta:
            return
        year = occurred_at.astimezone(COOPERATIVE_TZ).year
        # Read, add, write inside the caller's transaction: exact Decimal sums on any server, and the
        # position's optimistic lock above already serialises writers of this activity.
        key = f"{activity_id}:{year}"
        doc = await self._years.find_one({"_id": key}, session=session)
        totals = Totals.from_dict(doc["totals"]) if doc else Totals()
        totals = totals.plus(**delta)
        await self._years.replace_one({"_id": key}, {"activity_id": activity_id, "year": year,
                                                     "totals": totals.to_dict()}, upsert=True, session=session)

    async def years(self, activity_id: str) -> list[tuple[int, Totals]]:
        """The activity's statement totals per calendar year, the latest first."""
        cursor = self._years.find({"activity_id": activity_id}).sort("year", -1)
        return [(int(doc["year"]), Totals.from_dict(doc["totals"])) async for doc in cursor]

    async def receivable(self, invoice_id: str, session: AsyncClientSession) -> Receivable | None:
        doc = await self._receivables.find_one({"_id": invoice_id}, session=session)
        return None if doc is None else _receivable_from(doc)

    async def save_receivable(self, receivable: Receivable, session: AsyncClientSession) -> None:
        await self._receivables.replace_one(
            {"_id": receivable.invoice_id},
            {
                "activity_id": receivable.activity_id,
                "issued_share": receivable.issued_share,
                "paid_share": receivable.paid_share,
                "settled_outstanding": receivable.settled_outstanding,
                "written_off": receivable.written_off,
                "credited": receivable.credited,
                "credited_share": receivable.credited_share,
                "refunded_share": receivable.refunded_share,
                "credit_notes": list(receivable.credit_notes),
                "internal": receivable.internal,
                "cover": receivable.cover,
            },
            upsert=True,
            session=session,
        )

    async def transaction(self, source_key: str, session: AsyncClientSession) -> Transaction | None:
        doc = await self._transactions.find_one({"_id": source_key}, session=session)
        return None if doc is None else transaction_from(doc)

    async def has_transaction(self, source_key: str, session: AsyncClientSession) -> bool:
        return await self._transactions.find_one({"_id": source_key}, {"_id": 1}, session=session) is not None

    async def add(self, transactions: Sequence[Transaction], activity_id: str | None,
                  session: AsyncClientSession) -> None:
        if transactions:
            now = self._clock.now()
            # VAT accrued at issue is the cooperative's debt to the tax office, not the activity's money:
            # it stays out of the activity's statement (the ledger's balances still count it).
            await self._transactions.insert_many(
                [transaction_document(t, None if t.kind is TransactionKind.VAT_ACCRUAL else activity_id, now)
                 for t in transactions], session=session
            )

    async def link(self, source_key: str, activity_id: str, session: AsyncClientSession) -> None:
        """List a transaction in one more activity's statement (a transfer touches two activities)."""
        await self._transactions.update_one({"_id": source_key}, {"$addToSet": {"also_activity_ids": activity_id}},
                                            session=session)

    async def add_documents(self, documents: Sequence[Document], session: AsyncClientSession) -> None:
        if documents:
            await self._transactions.insert_many(list(documents), session=session)

    async def entries(self, activity_id: str, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        query = after_cursor({"$or": [{"activity_id": activity_id}, {"also_activity_ids": activity_id}]},
                             "recorded_at", cursor)
        page = [doc async for doc in self._transactions.find(query).sort(sort_spec("recorded_at")).limit(limit)]
        return page, next_cursor(page, limit, "recorded_at")

    async def journal_page(self, start: datetime, end: datetime, limit: int,
                           cursor: str | None) -> tuple[list[Transaction], str | None]:
        """Transactions that occurred in ``[start, end)``, oldest first, a page at a time."""
        query = after_cursor(_in_period(start, end), "occurred_at", cursor, ascending=True)
        page = [doc async for doc in
                self._transactions.find(query).sort(sort_spec("occurred_at", ascending=True)).limit(limit)]
        return [transaction_from(doc) for doc in page], next_cursor(page, limit, "occurred_at")

    async def journal(self, start: datetime, end: datetime) -> AsyncIterator[Transaction]:
        """Every transaction of ``[start, end)``, oldest first, read in the driver's batches (an export)."""
        async for doc in self._transactions.find(_in_period(start, end)).sort(
                sort_spec("occurred_at", ascending=True)):
            yield transaction_from(doc)

    async def account_balances(self, accounts: Iterable[str] | None = None) -> dict[str, Decimal]:
        """Every account's balance, summed from the postings themselves (not from any cached figure)."""
        pipeline: list[Document] = [{"$unwind": "$postings"}]
        if accounts is not None:
            pipeline.append({"$match": {"postings.account": {"$in": list(accounts)}}})
        pipeline.append({"$group": {"_id": "$postings.account", "balance": {"$sum": "$postings.amount"}}})
        cursor = await self._transactions.aggregate(pipeline)
        return {doc["_id"]: Decimal(doc["balance"]) for doc in [d async for d in cursor]}

    async def unbalanced_transactions(self) -> list[str]:
        """Source keys of transactions whose postings do not sum to zero (always empty; checked by tests and ops)."""
        cursor = await self._transactions.aggregate([
            {"$project": {"total": {"$sum": "$postings.amount"}}},
            {"$match": {"total": {"$ne": Decimal(0)}}},
        ])
        return [doc["_id"] async for doc in cursor]

    async def fund_exposure(self, top: int) -> tuple[Document, list[ActivityPosition]]:
        """Totals over every activity, and the activities with the largest advances outstanding."""
        cursor = await self._positions.aggregate([
            {"$group": {
                "_id": None,
                "outstanding_advances": {"$sum": "$advance"},
                "receivables": {"$sum": "$receivables"},
                "advances_granted": {"$sum": "$totals.advances_received"},
                "advances_repaid": {"$sum": "$totals.advances_repaid"},
                "advances_absorbed": {"$sum": "$totals.advances_absorbed"},
                "activities_with_advance": {"$sum": {"$cond": [{"$gt": ["$advance", Decimal(0)]}, 1, 0]}},
            }},
        ])
        rows = [doc async for doc in cursor]
        largest = [
            position_from(doc)
            async for doc in self._positions.find({"advance": {"$gt": Decimal(0)}}).sort(
                [("advance", -1), ("_id", 1)]).limit(top)
        ]
        return (rows[0] if rows else {}), largest
