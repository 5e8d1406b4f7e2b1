"""MongoDB access for clients, quotes, invoices, the numbering counters,
payments, bank statements, reminders and expense claims.

Writes that change an existing document check its ``version`` in the filter
(optimistic concurrency): a lost race is reported, never silently merged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from decimal import Decimal

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor
from coop_shared.persistence.mongo import Document
from invoicing.adapters.indexes import (
    BANK_LINES,
    BANK_STATEMENTS,
    CLIENTS,
    COUNTERS,
    EXPENSE_ATTACHMENTS,
    EXPENSE_CLAIMS,
    INTERNAL_TRANSFERS,
    INVOICES,
    PAYMENTS,
    PEPPOL_TRANSMISSIONS,
    QUOTES,
    REFUND_BATCHES,
    REFUNDS,
    REMINDERS,
    SENDINGS,
    UNMATCHED,
)
from invoicing.domain.invoice import OPEN_STATUSES
from invoicing.domain.reminders import ReminderLevel


class StaleVersion(Exception):
    """The document changed (or vanished) since it was read."""


def of_activities(activity_ids: Iterable[str]) -> Document:
    """The filter of the documents (of any collection here) that belong to one of ``activity_ids``."""
    return {"activity_id": {"$in": sorted(activity_ids)}}


class _Repository:
    collection_name: str

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db[self.collection_name]

    async def get(self, key: str, session: AsyncClientSession | None = None) -> Document | None:
        return await self.collection.find_one({"_id": key}, session=session)

    async def insert(self, doc: Document, session: AsyncClientSession | None = None) -> None:
        await self.collection.insert_one(doc, session=session)

    async def replace(self, doc: Document, session: AsyncClientSession | None = None) -> Document:
        """Store ``doc`` whole if nobody changed it since it was read; returns it with the new version."""
        version = int(doc.get("version", 0))
        new = {**doc, "version": version + 1}
        result = await self.collection.replace_one({"_id": doc["_id"], "version": version}, new, session=session)
        if result.matched_count != 1:
            raise StaleVersion(doc["_id"])
        return new

    async def update(self, key: str, version: int, changes: Document, session: AsyncClientSession | None = None,
                     unset: tuple[str, ...] = ()) -> Document:
        update: Document = {"$set": changes, "$inc": {"version": 1}}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        doc = await self.collection.find_one_and_update({"_id": key, "version": version}, update,
                                                        return_document=ReturnDocument.AFTER, session=session)
        if doc is None:
            raise StaleVersion(key)
        return doc

    async def page(self, query: Document, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        """Newest first; the cursor is the last item's (created_at, _id)."""
        after = decode_cursor(cursor)
        if after is not None:
            try:
                created = datetime.fromisoformat(str(after["t"]))
                last_id = str(after["id"])
            except (KeyError, ValueError):
                raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.",
                               field="cursor") from None
            query = {"$and": [query, {"$or": [{"created_at": {"$lt": created}},
                                              {"created_at": created, "_id": {"$lt": last_id}}]}]}
        docs = [d async for d in self.collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        next_cursor = encode_cursor({"t": docs[-1]["created_at"].isoformat(), "id": docs[-1]["_id"]}) if more else None
        return docs, next_cursor


class ClientsRepository(_Repository):
    collection_name = CLIENTS


class QuotesRepository(_Repository):
    collection_name = QUOTES

    async def by_token_hash(self, digest: str) -> Document | None:
        return await self.collection.find_one({"token_hash": digest})

    async def sent_valid_before(self, day: date, limit: int = 1000) -> list[str]:
        """Sent quotes whose validity ended before ``day`` (the expiry job's candidates)."""
        cursor = self.collection.find({"status": "sent", "valid_until": {"$lt": day.isoformat()}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor.sort("valid_until", 1).limit(limit)]


def _open_and_due_before(day: date) -> Document:
    return {"status": {"$in": sorted(s.value for s in OPEN_STATUSES)}, "due_date": {"$lt": day.isoformat()}}


class InvoicesRepository(_Repository):
    collection_name = INVOICES

    @staticmethod
    def overdue_filter(today: date) -> Document:
        """The filter of the documents still open whose due date is before ``today``."""
        return _open_and_due_before(today)

    async def with_communication(self, ogm: str, session: AsyncClientSession | None = None) -> Document | None:
        """The invoice (not a credit note) that ``ogm``, its structured communication, names."""
        return await self.collection.find_one({"structured_communication": ogm, "kind": "invoice"}, session=session)

    async def id_with_communication(self, ogm: str, session: AsyncClientSession | None = None) -> str | None:
        doc = await self.collection.find_one({"structured_communication": ogm, "kind": "invoice"}, {"_id": 1},
                                             session=session)
        return None if doc is None else str(doc["_id"])

    async def awaiting_reminders(self, today: date) -> list[Document]:
        """Invoices overdue on ``today`` and not yet at their formal notice, earliest due first, with only
        their due date and the reminders sent (internal transfers are settled from a budget, never chased)."""
        query = {"kind": "invoice", **_open_and_due_before(today),
                 "reminder_level": {"$ne": ReminderLevel.FORMAL_NOTICE.value},
                 "internal_transfer": {"$exists": False}}
        cursor = self.collection.find(query, {"due_date": 1, "reminders": 1}).sort("due_date", 1)
        return [doc async for doc in cursor]

    async def record_reminder(self, key: str, changes: Document, session: AsyncClientSession) -> None:
        """A reminder step on the invoice, whatever its version: the step's unique key, in the same
        transaction, is what keeps two runs from both taking it."""
        await self.collection.update_one({"_id": key}, {"$set": changes, "$inc": {"version": 1}}, session=session)

    async def issued_between(self, first: date, last: date) -> AsyncIterator[Document]:
        """Numbered invoices and credit notes whose issue date is in ``[first, last]``, by date and number
        (internal transfers between activities are no sales and have no document)."""
        query = {"number": {"$exists": True}, "issue_date": {"$gte": first.isoformat(), "$lte": last.isoformat()},
                 "internal_transfer": {"$ne": True}}
        async for doc in self.collection.find(query).sort([("issue_date", 1), ("number", 1)]):
            yield doc

    async def delete_draft(self, key: str, version: int) -> None:
        result = await self.collection.delete_one({"_id": key, "version": version,
                                                   "status": {"$in": ["draft", "in_review"]},
                                                   "sequence": {"$exists": False}})
        if result.deleted_count != 1:
            raise StaleVersion(key)


class PaymentsRepository(_Repository):
    collection_name = PAYMENTS

    async def latest_debtor_iban(self, invoice_id: str, session: AsyncClientSession | None = None) -> str | None:
        """The account the client last paid this invoice from (bank statements give it), if known."""
        doc = await self.collection.find_one({"invoice_id": invoice_id, "debtor_iban": {"$type": "string"}},
                                             sort=[("created_at", -1)], session=session)
        return None if doc is None else str(doc["debtor_iban"])

    async def mark_reversed(self, key: str, reversed_on: date, line_id: str, now: datetime,
                            session: AsyncClientSession) -> bool:
        """False when the payment was already taken back."""
        marked = await self.collection.update_one(
            {"_id": key, "reversed_on": None},
            {"$set": {"reversed_on": reversed_on.isoformat(), "reversal_line_id": line_id, "updated_at": now}},
            session=session)
        return marked.modified_count == 1


class RefundsRepository(_Repository):
    collection_name = REFUNDS

    async def due_to_known_accounts(self, session: AsyncClientSession) -> list[Document]:
        """Refunds still due whose client account is known, oldest first."""
        cursor = self.collection.find({"status": "due", "client_iban": {"$type": "string"}}, session=session)
        return [doc async for doc in cursor.sort("created_at", 1)]


class RefundBatchesRepository(_Repository):
    collection_name = REFUND_BATCHES


class InternalTransfersRepository(_Repository):
    collection_name = INTERNAL_TRANSFERS

    async def page_involving(self, activity_ids: Iterable[str] | None, activity_id: str | None,
                             status: str | None, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        """Transfers where one of ``activity_ids`` (None: any activity) sells or buys, narrowed to those
        where ``activity_id`` does and to ``status`` when given."""
        query: Document = {}
        if activity_ids is not None:
            ids = sorted(activity_ids)
            query["$or"] = [{"seller_activity_id": {"$in": ids}}, {"buyer_activity_id": {"$in": ids}}]
        if activity_id is not None:
            query["$and"] = [{"$or": [{"seller_activity_id": activity_id}, {"buyer_activity_id": activity_id}]}]
        if status is not None:
            query["status"] = status
        return await self.page(query, limit, cursor)


class UnmatchedRepository(_Repository):
    collection_name = UNMATCHED

    async def flag_late_refunds(self, received_before: date, today: date) -> int:
        """Money still held (open) that was received before ``received_before``: flagged once, on ``today``."""
        result = await self.collection.update_many(
            {"status": "open", "received_on": {"$lt": received_before.isoformat()}, "refund_late_since": None},
            {"$set": {"refund_late_since": today.isoformat()}, "$inc": {"version": 1}})
        return result.modified_count


class StatementsRepository(_Repository):
    collection_name = BANK_STATEMENTS

    async def by_identity(self, account_iban: str, statement_id: str) -> Document | None:
        return await self.collection.find_one({"account_iban": account_iban, "statement_id": statement_id})

    async def record_import(self, key: str, lines: dict[str, int], entry: Document, keep: int) -> None:
        """The statement is imported, its lines counted by outcome; ``entry`` joins the ``keep`` latest imports."""
        await self.collection.update_one(
            {"_id": key},
            {"$set": {"status": "imported", "lines": lines, "updated_at": entry["at"]},
             "$push": {"imports": {"$each": [entry], "$slice": -keep}}, "$inc": {"version": 1}})


class BankLinesRepository(_Repository):
    collection_name = BANK_LINES

    async def existing_keys(self, keys: list[str]) -> set[str]:
        cursor = self.collection.find({"line_key": {"$in": keys}}, {"line_key": 1})
        return {doc["line_key"] async for doc in cursor}

    async def outcomes(self, statement_ref: str) -> dict[str, int]:
        pipeline: list[Document] = [{"$match": {"statement_ref": statement_ref}},
                                    {"$group": {"_id": "$outcome", "n": {"$sum": 1}}}]
        return {str(doc["_id"]): int(doc["n"]) async for doc in await self.collection.aggregate(pipeline)}

    async def of_statement(self, statement_ref: str, limit: int,
                           cursor: str | None) -> tuple[list[Document], str | None]:
        """In the file's order; the cursor is the last position shown."""
        after = decode_cursor(cursor)
        query: Document = {"statement_ref": statement_ref}
        if after is not None:
            position = after.get("p")
            if not isinstance(position, int):
                raise ApiError(400, "invalid_cursor", "The cursor is not one this API produced.", field="cursor")
            query["position"] = {"$gt": position}
        docs = [d async for d in self.collection.find(query).sort("position", 1).limit(limit + 1)]
        more = len(docs) > limit
        docs = docs[:limit]
        return docs, encode_cursor({"p": docs[-1]["position"]}) if more else None

    async def unreversed_credits(self, account_iban: str, amount: Decimal, outcomes: Iterable[str], *,
                                 end_to_end_id: str | None = None, invoice_id: str | None = None,
                                 session: AsyncClientSession, limit: int) -> list[Document]:
        """Credits of ``amount`` to the account, booked with one of ``outcomes``, themselves no reversal and
        not reversed yet; with that end-to-end id, or else paid to that invoice."""
        if (end_to_end_id is None) == (invoice_id is None):
            raise ValueError("a credit is named by its end-to-end id or by its invoice, one of them")
        query: Document = {"account_iban": account_iban, "amount": amount, "reversal": {"$ne": True},
                           "reversed_by": None, "outcome": {"$in": list(outcomes)}}
        if end_to_end_id is not None:
            query["end_to_end_id"] = end_to_end_id
        else:
            query["invoice_id"] = invoice_id
        return [d async for d in self.collection.find(query, session=session).limit(limit)]

    async def mark_reversed(self, key: str, by_line_id: str, session: AsyncClientSession) -> bool:
        """False when another line already reversed it."""
        marked = await self.collection.update_one(
            {"_id": key, "reversed_by": None}, {"$set": {"reversed_by": by_line_id}}, session=session)
        return marked.modified_count == 1


class RemindersRepository(_Repository):
    collection_name = REMINDERS

    async def of_invoice(self, invoice_id: str, level: str) -> Document | None:
        return await self.collection.find_one({"invoice_id": invoice_id, "level": level})


class SendingsRepository(_Repository):
    collection_name = SENDINGS

    async def of_subject(self, subject_id: str, limit: int = 50) -> list[Document]:
        """The sendings of a quote or invoice, newest first."""
        cursor = self.collection.find({"subject_id": subject_id}).sort("requested_at", -1).limit(limit)
        return [doc async for doc in cursor]

    async def record_news(self, key: str, progress: str, fields: Document,
                          session: AsyncClientSession | None = None) -> bool:
        """``fields`` and ``progress`` on the sending unless news that compares higher is recorded;
        False when it was."""
        result = await self.collection.update_one(
            {"_id": key, "$or": [{"reported": None}, {"reported": {"$lt": progress}}]},
            {"$set": {**fields, "reported": progress}}, session=session)
        return bool(result.modified_count)


class PeppolTransmissionsRepository(_Repository):
    """One transmission per document, keyed by the document's id."""

    collection_name = PEPPOL_TRANSMISSIONS

    async def insert_unless_exists(self, key: str, fields: Document, session: AsyncClientSession) -> None:
        await self.collection.update_one({"_id": key}, {"$setOnInsert": fields}, upsert=True, session=session)

    async def due(self, statuses: Iterable[str], now: datetime, limit: int) -> list[Document]:
        """Transmissions in one of ``statuses`` whose next attempt is due at ``now``, longest waiting first."""
        cursor = self.collection.find({"status": {"$in": list(statuses)}, "next_attempt_at": {"$lte": now}})
        return [t async for t in cursor.sort("next_attempt_at", 1).limit(limit)]

    async def record_attempt(self, key: str, attempts_before: int, changes: Document) -> None:
        """Only if nobody moved it since it was read with ``attempts_before`` attempts (an operator's retry,
        another run)."""
        await self.collection.update_one({"_id": key, "attempts": attempts_before}, {"$set": changes})


class ExpenseClaimsRepository(_Repository):
    collection_name = EXPENSE_CLAIMS

    async def claimed(self, activity_id: str, status: str, excluding: str) -> Decimal:
        """Sum charged by the activity's claims in ``status`` (but one)."""
        total = Decimal("0.00")
        cursor = self.collection.find({"activity_id": activity_id, "status": status, "_id": {"$ne": excluding}},
                                      {"amount_charged": 1})
        async for doc in cursor:
            total += Decimal(doc["amount_charged"])
        return total


class AttachmentsRepository(_Repository):
    """Receipts as binary fields, one document each (the size limit keeps them
    far below MongoDB's 16 MB), written in the same transaction as the claim."""

    collection_name = EXPENSE_ATTACHMENTS

    async def content(self, claim_id: str, attachment_id: str) -> Document | None:
        return await self.collection.find_one({"_id": attachment_id, "claim_id": claim_id})


class Counters:
    """One document per numbering series and year: ``{_id: "invoice:2026", value: 41}``.

    ``next`` is called inside the transaction that stores the number it
    returns: if that transaction aborts, the increment is undone with it, so
    the series never has a hole; concurrent issuers conflict on this one
    document and the driver retries the loser with the next value.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection: AsyncCollection[Document] = db[COUNTERS]
        self._turns: dict[str, asyncio.Lock] = {}

    @staticmethod
    def key(series: str, year: int) -> str:
        return f"{series}:{year}"

    def turn(self, series: str, year: int) -> asyncio.Lock:
        """Issuers of one series in this process wait their turn instead of racing for the counter.

        Two transactions that increment the same document cannot both commit: the loser is aborted and
        run again from the start, so sixteen concurrent issuers redo most of their work many times over.
        Queued in the process, each transaction runs once; several replicas still conflict with each
        other now and then, and the driver's retry keeps that correct.
        """
        return self._turns.setdefault(self.key(series, year), asyncio.Lock())

    async def ensure(self, series: str, year: int) -> None:
        # Created outside the transaction: two transactions inserting the same
        # new document would fail with a duplicate key instead of a retryable conflict.
        await self._collection.update_one({"_id": self.key(series, year)}, {"$setOnInsert": {"value": 0}},
                                          upsert=True)

    async def next(self, series: str, year: int, session: AsyncClientSession) -> int:
        doc = await self._collection.find_one_and_update(
            {"_id": self.key(series, year)}, {"$inc": {"value": 1}}, return_document=ReturnDocument.AFTER,
            session=session)
        if doc is None:
            raise RuntimeError(f"counter {series}:{year} missing: call ensure() first")
        return int(doc["value"])

    async def value(self, series: str, year: int) -> int:
        doc = await self._collection.find_one({"_id": self.key(series, year)})
        return 0 if doc is None else int(doc["value"])
