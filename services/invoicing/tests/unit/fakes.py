"""In-memory stand-ins for invoicing's repositories, for use cases run without servers.

They keep aggregates, not documents: what a use case sees is what the MongoDB
repositories give it (a domain object read at a version, saved only under that
version), so a use case tested here runs unchanged against the real ones.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.quote import Quote, QuoteStatus


class FakeQuotesRepository:
    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self.fields: dict[str, Document] = {}  # what the stored document holds besides the quote

    def keep(self, quote: Quote, **fields: Any) -> None:
        """A quote as if stored (version 1)."""
        quote.version = 1
        self.quotes[quote.id] = copy.deepcopy(quote)
        self.fields[quote.id] = {"_id": quote.id, "activity_id": quote.activity_id, **fields}

    def _document(self, key: str) -> Document:
        quote = self.quotes[key]
        return {**self.fields[key], "status": quote.status.value, "version": quote.version}

    async def with_document(self, key: str, session: Any = None) -> tuple[Quote, Document] | None:
        if key not in self.quotes:
            return None
        return copy.deepcopy(self.quotes[key]), self._document(key)

    async def quote(self, key: str, session: Any = None) -> Quote | None:
        found = await self.with_document(key, session)
        return None if found is None else found[0]

    async def save(self, quote: Quote, fields: Document, session: Any = None,
                   unset: tuple[str, ...] = ()) -> Document:
        stored = self.quotes.get(quote.id)
        if stored is None or stored.version != quote.version:
            raise StaleVersion(quote.id)
        quote.version += 1
        self.quotes[quote.id] = copy.deepcopy(quote)
        kept = {k: v for k, v in {**self.fields[quote.id], **fields}.items() if k not in unset}
        self.fields[quote.id] = kept
        return self._document(quote.id)

    async def sent_valid_before(self, day: date, limit: int = 1000) -> list[str]:
        return sorted(q.id for q in self.quotes.values() if q.status is QuoteStatus.SENT and q.valid_until < day)


class FakeReadModel:
    """The activities invoicing heard of, by id."""

    def __init__(self, activities: dict[str, Any] | None = None) -> None:
        self.activities = activities or {}

    async def activity(self, activity_id: str) -> Any:
        return self.activities.get(activity_id)
