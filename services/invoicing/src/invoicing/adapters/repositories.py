"""MongoDB access for clients, quotes, invoices, the numbering counters,
payments, bank statements, reminders and expense claims.

Writes that change an existing document check its ``version`` in the filter
(optimistic concurrency): a lost race is reported, never silently merged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor
from coop_shared.persistence.changes import changed_since
from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec
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
from invoicing.adapters.mappers import (
    billing_document_from_doc,
    client_fields,
    client_from_doc,
    client_snapshot,
    credit_note_state,
    invoice_from_doc,
    invoice_state,
    issue_state,
    quote_from_doc,
    quote_state,
)
from invoicing.domain.clients import Client
from invoicing.domain.invoice import OPEN_STATUSES, CreditNote, Invoice
from invoicing.domain.quote import Quote
from invoicing.domain.reminders import ReminderLevel


class StaleVersion(Exception):
    """The document changed (or vanished) since it was read."""


def of_activities(activity_ids: Iterable[str]) -> Document:
    """The filter of the documents (of any collection here) that belong to one of ``activity_ids``."""
    return {"activity_id": {"$in": sorted(activity_ids)}}


def _in_scope(activity_ids: Iterable[str] | None) -> Document:
    """The documents of ``activity_ids``; None: of every activity."""
    if activity_ids is None:
        return {}
    ids = sorted(activity_ids)
    return {"activity_id": ids[0]} if len(ids) == 1 else of_activities(ids)


def _equal(**fields: object) -> Document:
    """Equality on each field given a value (None leaves the field out)."""
    return {name: value for name, value in fields.items() if value is not None}


def _cursor_if_more(docs: list[Document], limit: int, field: str = "created_at") -> str | None:
    """The next page's cursor when more than ``limit`` were found (a page reads one beyond its size to know)."""
    return next_cursor(docs[:limit], limit, field) if len(docs) > limit else None


@dataclass(frozen=True)
class ClientCopy:
    """A client as a quote or an invoice keeps it: the domain client, and the copy stored on the document
    (with its id, language and, for another activity of the cooperative, that activity)."""

    client: Client
    snapshot: Document

    @property
    def id(self) -> str:
        return str(self.snapshot["id"])

    @property
    def intra_cooperative(self) -> bool:
        return bool(self.snapshot.get("cooperative_activity_id"))

    @classmethod
    def kept(cls, snapshot: Document) -> ClientCopy:
        """The copy a stored quote or invoice keeps, with its domain client."""
        return cls(client_from_doc(snapshot), snapshot)


@dataclass(frozen=True)
class InvoiceFilters:
    """What a list of invoices and credit notes is narrowed to; a field left None narrows nothing."""

    activity_ids: frozenset[str] | None = None  # None: every activity
    client_id: str | None = None
    status: str | None = None
    kind: str | None = None
    year: int | None = None
    number: str | None = None
    overdue_on: date | None = None  # still open and due before that day
    updated_since: datetime | None = None


@dataclass(frozen=True)
class PaymentFilters:
    """What a list of payments is narrowed to; a field left None narrows nothing."""

    activity_ids: frozenset[str] | None = None  # None: every activity
    invoice_id: str | None = None
    source: str | None = None
    statement_id: str | None = None
    updated_since: datetime | None = None


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

    async def _page(self, query: Document, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        """Newest first; the cursor is the last item's (created_at, _id)."""
        found = self.collection.find(after_cursor(query, "created_at", cursor)).sort(sort_spec("created_at"))
        docs = [d async for d in found.limit(limit + 1)]
        return docs[:limit], _cursor_if_more(docs, limit)


class ClientsRepository(_Repository):
    collection_name = CLIENTS

    async def copy_for(self, key: str, activity_id: str) -> ClientCopy | None:
        """The client, as a document of ``activity_id`` keeps it; None unless it is one of that activity's."""
        doc = await self.get(key)
        if doc is None or doc["activity_id"] != activity_id:
            return None
        return ClientCopy(client_from_doc(doc), client_snapshot(doc))

    async def add(self, key: str, client: Client, fields: Document) -> Document:
        """A new client: its identity as the domain normalised it, and ``fields`` (activity, language, dates)."""
        doc: Document = {"_id": key, **client_fields(client), **fields, "version": 1}
        await self.insert(doc)
        return doc

    async def store(self, key: str, version: int, client: Client, fields: Document) -> Document:
        """The client replaced whole if nobody changed it since ``version``; returns it with the new version."""
        return await self.replace({"_id": key, **client_fields(client), **fields, "version": version})

    async def page_of(self, activity_ids: Iterable[str] | None, limit: int,
                      cursor: str | None) -> tuple[list[Document], str | None]:
        """The clients of ``activity_ids`` (None: of every activity), newest first."""
        return await self._page(_in_scope(activity_ids), limit, cursor)


class QuotesRepository(_Repository):
    collection_name = QUOTES

    async def page_of(self, activity_ids: Iterable[str] | None, limit: int, cursor: str | None, *,
                      status: str | None = None) -> tuple[list[Document], str | None]:
        """The quotes of ``activity_ids`` (None: of every activity), in ``status`` when given, newest first."""
        return await self._page({**_in_scope(activity_ids), **_equal(status=status)}, limit, cursor)

    async def quote(self, key: str, session: AsyncClientSession | None = None) -> Quote | None:
        doc = await self.get(key, session)
        return None if doc is None else quote_from_doc(doc)

    async def with_document(self, key: str,
                            session: AsyncClientSession | None = None) -> tuple[Quote, Document] | None:
        """The quote, and the document it is stored as (what no aggregate holds: the client's copy, the link)."""
        doc = await self.get(key, session)
        return None if doc is None else (quote_from_doc(doc), doc)

    async def add(self, quote: Quote, fields: Document, session: AsyncClientSession | None = None) -> Document:
        """A new quote: its state, and ``fields`` besides (the client's copy, who, when); stored at version 1."""
        doc: Document = {"_id": quote.id, "activity_id": quote.activity_id, **fields, **quote_state(quote),
                         "version": 1}
        await self.insert(doc, session)
        quote.version = 1
        return doc

    async def save(self, quote: Quote, fields: Document, session: AsyncClientSession | None = None,
                   unset: tuple[str, ...] = ()) -> Document:
        """The quote's state and ``fields`` if nobody changed it since it was read (else StaleVersion);
        returns the stored document."""
        doc = await self.update(quote.id, quote.version, {**quote_state(quote), **fields}, session, unset)
        quote.version = int(doc["version"])
        return doc

    async def by_token_hash(self, digest: str) -> Document | None:
        return await self.collection.find_one({"token_hash": digest})

    async def sent_valid_before(self, day: date, limit: int = 1000) -> list[str]:
        """Sent quotes whose validity ended before ``day`` (the expiry job's candidates)."""
        cursor = self.collection.find({"status": "sent", "valid_until": {"$lt": day.isoformat()}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor.sort("valid_until", 1).limit(limit)]


def _open_and_due_before(day: date) -> Document:
    return {"status": {"$in": sorted(s.value for s in OPEN_STATUSES)}, "due_date": {"$lt": day.isoformat()}}


# A sale, not an internal transfer between two activities (those hold their transfer's reference there).
_NOT_INTERNAL_TRANSFER: Document = {"internal_transfer": {"$exists": False}}


class InvoicesRepository(_Repository):
    collection_name = INVOICES

    async def page_of(self, filters: InvoiceFilters, limit: int,
                      cursor: str | None) -> tuple[list[Document], str | None]:
        """Invoices and credit notes as ``filters`` narrow them, newest first."""
        query = {**_in_scope(filters.activity_ids),
                 **_equal(client_id=filters.client_id, status=filters.status, kind=filters.kind, year=filters.year,
                          number=filters.number)}
        if filters.overdue_on is not None:  # open statuses, whatever status was asked for
            query.update(_open_and_due_before(filters.overdue_on))
        return await self._page(changed_since(query, filters.updated_since), limit, cursor)

    async def invoice(self, key: str, session: AsyncClientSession | None = None) -> Invoice | None:
        """The invoice; None when there is none (or it is a credit note)."""
        doc = await self.get(key, session)
        return None if doc is None or doc["kind"] != "invoice" else invoice_from_doc(doc)

    async def with_document(self, key: str, session: AsyncClientSession | None = None
                            ) -> tuple[Invoice | CreditNote, Document] | None:
        """The invoice or credit note, and the document it is stored as (what no aggregate holds: the
        client's copy, the review, the owner, the reminders sent)."""
        doc = await self.get(key, session)
        return None if doc is None else (billing_document_from_doc(doc), doc)

    async def add(self, invoice: Invoice, fields: Document, session: AsyncClientSession | None = None) -> Document:
        """A new draft: its state, and ``fields`` besides (the client's copy, the series, who, when);
        stored at version 1."""
        doc: Document = {"_id": invoice.id, "activity_id": invoice.activity_id, **fields}
        if invoice.quote_id is not None:
            doc["quote_id"] = invoice.quote_id
        doc.update({**invoice_state(invoice), "version": 1})
        await self.insert(doc, session)
        invoice.version = 1
        return doc

    async def save(self, invoice: Invoice, fields: Document, session: AsyncClientSession | None = None,
                   unset: tuple[str, ...] = ()) -> Document:
        """The invoice's state and ``fields`` if nobody changed it since it was read (else StaleVersion);
        returns the stored document."""
        return await self._save(invoice, {**invoice_state(invoice), **fields}, session, unset)

    async def save_issued(self, invoice: Invoice, fields: Document, session: AsyncClientSession) -> Document:
        """As ``save``, with what issuing gave it: its number, dates, contribution rate and communication."""
        return await self._save(invoice, {**issue_state(invoice), **fields}, session, ())

    async def _save(self, invoice: Invoice, changes: Document, session: AsyncClientSession | None,
                    unset: tuple[str, ...]) -> Document:
        doc = await self.update(invoice.id, invoice.version, changes, session, unset)
        invoice.version = int(doc["version"])
        return doc

    async def add_credit_note(self, key: str, note: CreditNote, fields: Document,
                              session: AsyncClientSession) -> Document:
        """A credit note as issued, and ``fields`` besides (the invoice it credits, the client's copy, who, when)."""
        doc: Document = {"_id": key, **fields, **credit_note_state(note), "version": 1}
        await self.insert(doc, session)
        return doc

    async def with_communication(self, ogm: str, session: AsyncClientSession | None = None
                                 ) -> tuple[Invoice, Document] | None:
        """The invoice (not a credit note) that ``ogm``, its structured communication, names."""
        doc = await self.collection.find_one({"structured_communication": ogm, "kind": "invoice"}, session=session)
        return None if doc is None else (invoice_from_doc(doc), doc)

    async def id_with_communication(self, ogm: str, session: AsyncClientSession | None = None) -> str | None:
        doc = await self.collection.find_one({"structured_communication": ogm, "kind": "invoice"}, {"_id": 1},
                                             session=session)
        return None if doc is None else str(doc["_id"])

    async def awaiting_reminders(self, today: date) -> list[Document]:
        """Invoices overdue on ``today`` and not yet at their formal notice, earliest due first, with only
        their due date and the reminders sent (internal transfers are settled from a budget, never chased)."""
        query = {"kind": "invoice", **_open_and_due_before(today),
                 "reminder_level": {"$ne": ReminderLevel.FORMAL_NOTICE.value},
                 **_NOT_INTERNAL_TRANSFER}
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
                 **_NOT_INTERNAL_TRANSFER}
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

    async def page_of(self, filters: PaymentFilters, limit: int,
                      cursor: str | None) -> tuple[list[Document], str | None]:
        """Payments as ``filters`` narrow them, newest first."""
        query = {**_in_scope(filters.activity_ids),
                 **_equal(invoice_id=filters.invoice_id, source=filters.source, statement_id=filters.statement_id)}
        return await self._page(changed_since(query, filters.updated_since), limit, cursor)

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

    async def page_of(self, activity_ids: Iterable[str] | None, limit: int, cursor: str | None, *,
                      status: str | None = None, invoice_id: str | None = None) -> tuple[list[Document], str | None]:
        """The refunds of ``activity_ids`` (None: of every activity), narrowed to ``status`` and to one
        invoice when given, newest first."""
        query = {**_in_scope(activity_ids), **_equal(status=status, invoice_id=invoice_id)}
        return await self._page(query, limit, cursor)

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
        return await self._page(query, limit, cursor)


class UnmatchedRepository(_Repository):
    collection_name = UNMATCHED

    async def page_of(self, limit: int, cursor: str | None, *,
                      status: str | None = None) -> tuple[list[Document], str | None]:
        """Unmatched amounts, in ``status`` when given, newest first."""
        return await self._page(_equal(status=status), limit, cursor)

    async def flag_late_refunds(self, received_before: date, today: date) -> int:
        """Money still held (open) that was received before ``received_before``: flagged once, on ``today``."""
        result = await self.collection.update_many(
            {"status": "open", "received_on": {"$lt": received_before.isoformat()}, "refund_late_since": None},
            {"$set": {"refund_late_since": today.isoformat()}, "$inc": {"version": 1}})
        return result.modified_count


class StatementsRepository(_Repository):
    collection_name = BANK_STATEMENTS

    async def page_of(self, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        """Every statement, newest first."""
        return await self._page({}, limit, cursor)

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
        return docs[:limit], encode_cursor({"p": docs[limit - 1]["position"]}) if len(docs) > limit else None

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

    async def page_of(self, activity_ids: Iterable[str] | None, limit: int, cursor: str | None, *,
                      status: str | None = None) -> tuple[list[Document], str | None]:
        """The claims of ``activity_ids`` (None: of every activity), in ``status`` when given, newest first."""
        return await self._page({**_in_scope(activity_ids), **_equal(status=status)}, limit, cursor)

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

    ``take`` is called inside the transaction that stores the numbers it
    hands out: if that transaction aborts, the increment is undone with it, so
    the series never has a hole; concurrent transactions conflict on this one
    document and the driver runs the loser again with the next values.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection: AsyncCollection[Document] = db[COUNTERS]
        self._known: set[str] = set()

    @staticmethod
    def key(series: str, year: int) -> str:
        return f"{series}:{year}"

    async def ensure(self, series: str, year: int) -> None:
        # Created outside the transaction: two transactions inserting the same
        # new document would fail with a duplicate key instead of a retryable conflict.
        # A counter is never deleted: once this process knows it exists, it asks no more.
        key = self.key(series, year)
        if key in self._known:
            return
        await self._collection.update_one({"_id": key}, {"$setOnInsert": {"value": 0}}, upsert=True)
        self._known.add(key)

    async def take(self, series: str, year: int, count: int, session: AsyncClientSession) -> int:
        """Moves the counter by ``count`` and returns the first of the numbers it reserved."""
        doc = await self._collection.find_one_and_update(
            {"_id": self.key(series, year)}, {"$inc": {"value": count}}, return_document=ReturnDocument.AFTER,
            session=session)
        if doc is None:
            raise RuntimeError(f"counter {series}:{year} missing: call ensure() first")
        return int(doc["value"]) - count + 1

    async def give_back(self, series: str, year: int, count: int, session: AsyncClientSession) -> None:
        """Returns the last ``count`` numbers ``take`` reserved in this transaction and nobody used."""
        await self._collection.update_one({"_id": self.key(series, year)}, {"$inc": {"value": -count}},
                                          session=session)

    async def value(self, series: str, year: int) -> int:
        doc = await self._collection.find_one({"_id": self.key(series, year)})
        return 0 if doc is None else int(doc["value"])
