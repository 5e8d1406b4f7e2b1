"""The repositories build the MongoDB filters the use cases describe with typed
filters, and page newest first with the shared keyset cursor; no server needed:
a recording collection stands in for MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from coop_shared.http.errors import ApiError
from coop_shared.http.pagination import decode_cursor, encode_cursor
from invoicing.adapters.repositories import (
    ClientsRepository,
    InvoiceFilters,
    InvoicesRepository,
    PaymentFilters,
    PaymentsRepository,
    QuotesRepository,
    RefundsRepository,
    StatementsRepository,
)

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


class _Found:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self._docs = docs

    def sort(self, spec: Any) -> _Found:
        self.sorted_by = spec
        return self

    def limit(self, n: int) -> _Found:
        self._docs = self._docs[:n]
        return self

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        async def items() -> AsyncIterator[dict[str, Any]]:
            for doc in self._docs:
                yield doc
        return items()


class RecordingCollection:
    """Answers every find with its documents, newest first, and keeps the filters asked for."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = sorted(docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)
        self.queries: list[dict[str, Any]] = []

    def find(self, query: dict[str, Any]) -> _Found:
        self.queries.append(query)
        return _Found(list(self.docs))


class FakeDb:
    def __init__(self, docs: list[dict[str, Any]] | None = None) -> None:
        self.collection = RecordingCollection(docs or [])

    def __getitem__(self, name: str) -> RecordingCollection:
        return self.collection


def _docs(n: int) -> list[dict[str, Any]]:
    return [{"_id": f"d{i}", "created_at": T0 + timedelta(minutes=i)} for i in range(n)]


async def test_invoices_are_listed_by_typed_filters() -> None:
    db = FakeDb()
    since = T0 - timedelta(days=1)
    await InvoicesRepository(db).page_of(  # type: ignore[arg-type]
        InvoiceFilters(activity_ids=frozenset({"a2", "a1"}), client_id="c1", kind="invoice", year=2026,
                       updated_since=since), 20, None)
    assert db.collection.queries == [{"$and": [
        {"activity_id": {"$in": ["a1", "a2"]}, "client_id": "c1", "kind": "invoice", "year": 2026},
        {"$or": [{"updated_at": {"$gte": since}}, {"updated_at": {"$exists": False}, "created_at": {"$gte": since}}]},
    ]}]


async def test_overdue_narrows_to_open_statuses_whatever_status_was_asked() -> None:
    db = FakeDb()
    await InvoicesRepository(db).page_of(  # type: ignore[arg-type]
        InvoiceFilters(activity_ids=frozenset({"a1"}), status="paid", overdue_on=date(2026, 3, 16)), 20, None)
    query = db.collection.queries[0]
    assert query["activity_id"] == "a1"
    assert "$in" in query["status"] and "paid" not in query["status"]["$in"]
    assert query["due_date"] == {"$lt": "2026-03-16"}


async def test_every_activity_means_no_activity_filter() -> None:
    db = FakeDb()
    await ClientsRepository(db).page_of(None, 20, None)  # type: ignore[arg-type]
    await QuotesRepository(db).page_of(None, 20, None, status="sent")  # type: ignore[arg-type]
    await RefundsRepository(db).page_of(set(), 20, None, invoice_id="i1")  # type: ignore[arg-type]
    await PaymentsRepository(db).page_of(PaymentFilters(source="bank"), 20, None)  # type: ignore[arg-type]
    await StatementsRepository(db).page_of(20, None)  # type: ignore[arg-type]
    assert db.collection.queries == [{}, {"status": "sent"}, {"activity_id": {"$in": []}, "invoice_id": "i1"},
                                     {"source": "bank"}, {}]


async def test_a_full_last_page_has_no_next_cursor() -> None:
    db = FakeDb(_docs(3))
    docs, cursor = await ClientsRepository(db).page_of(None, 3, None)  # type: ignore[arg-type]
    assert [d["_id"] for d in docs] == ["d2", "d1", "d0"]
    assert cursor is None


async def test_the_cursor_names_the_last_item_shown() -> None:
    db = FakeDb(_docs(3))
    docs, cursor = await ClientsRepository(db).page_of(None, 2, None)  # type: ignore[arg-type]
    assert [d["_id"] for d in docs] == ["d2", "d1"]
    assert decode_cursor(cursor) == {"t": (T0 + timedelta(minutes=1)).isoformat(), "id": "d1"}
    await ClientsRepository(db).page_of(None, 2, cursor)  # type: ignore[arg-type]
    at = T0 + timedelta(minutes=1)
    assert db.collection.queries[-1] == {"$or": [{"created_at": {"$lt": at}},
                                                 {"created_at": at, "_id": {"$lt": "d1"}}]}


@pytest.mark.parametrize("cursor", ["not base64 at all!", encode_cursor({"id": "d1"}), encode_cursor({"t": "x"})])
async def test_a_cursor_this_api_did_not_give_is_refused(cursor: str) -> None:
    with pytest.raises(ApiError) as refused:
        await ClientsRepository(FakeDb()).page_of(None, 2, cursor)  # type: ignore[arg-type]
    assert (refused.value.status, refused.value.code) == (400, "invalid_cursor")
