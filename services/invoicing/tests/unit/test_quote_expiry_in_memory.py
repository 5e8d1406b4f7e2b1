"""The quote expiry job, run against in-memory repositories: the use case reads
quotes as aggregates and saves them under the version it read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from coop_shared.clock import FakeClock
from coop_shared.contracts.invoicing import QuoteExpired
from coop_shared.settings import ServiceSettings
from coop_shared.testing.memory import memory_runtime
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.clients import Address, PrivateClient
from invoicing.domain.quote import Quote, QuoteStatus
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import VatCategoryCode, VatRegime, VatTreatment
from invoicing.service_layer.quote_expiry import expire_quotes

from .fakes import FakeQuotesRepository, FakeReadModel

TODAY = date(2026, 5, 4)
CLIENT = PrivateClient("Marie Dupont", Address("Rue 1", "Namur", "BE", "5000"))


def sent_quote(quote_id: str, valid_until: date) -> Quote:
    line = InvoiceLine("Workshop", Decimal(8), "HUR", Decimal(50), Decimal(21), VatCategoryCode.STANDARD)
    quote = Quote(quote_id=quote_id, activity_id="act-1", client=CLIENT, regime=VatRegime(VatTreatment.NORMAL),
                  valid_until=valid_until, lines=[line])
    quote.send(date(2026, 4, 1))
    return quote


def context(quotes: FakeQuotesRepository) -> Any:
    clock = FakeClock(datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    runtime = memory_runtime(ServiceSettings(service_name="invoicing"), clock)
    owner = SimpleNamespace(owner_id="member-1")
    return SimpleNamespace(quotes=quotes, read_model=FakeReadModel({"act-1": owner}), runtime=runtime, clock=clock)


async def test_a_sent_quote_past_its_validity_expires_once() -> None:
    quotes = FakeQuotesRepository()
    quotes.keep(sent_quote("q-late", date(2026, 4, 30)), created_by="member-1")
    quotes.keep(sent_quote("q-open", date(2026, 5, 31)), created_by="member-1")
    ctx = context(quotes)

    assert await expire_quotes(ctx, TODAY) == {"today": "2026-05-04", "expired": 1}
    assert await expire_quotes(ctx, TODAY) == {"today": "2026-05-04", "expired": 0}

    late, still_open = await quotes.quote("q-late"), await quotes.quote("q-open")
    assert late is not None and still_open is not None
    assert (late.status, late.version) == (QuoteStatus.EXPIRED, 2)
    assert (still_open.status, still_open.version) == (QuoteStatus.SENT, 1)
    events = [e.payload(QuoteExpired) for e in ctx.runtime.outbox.of_type(QuoteExpired.event_type)]
    assert [(e.quote_id, e.member_id, e.expired_on) for e in events] == [("q-late", "member-1", TODAY)]


async def test_a_quote_answered_meanwhile_is_left_and_announces_nothing() -> None:
    quotes = FakeQuotesRepository()
    quotes.keep(sent_quote("q-late", date(2026, 4, 30)))
    ctx = context(quotes)

    class Answered(FakeQuotesRepository):
        """The client accepts between the job's read and its write."""

        async def save(self, quote: Quote, fields: Any, session: Any = None, unset: tuple[str, ...] = ()) -> Any:
            raise StaleVersion(quote.id)

    racing = Answered()
    racing.quotes, racing.fields = quotes.quotes, quotes.fields
    ctx.quotes = racing

    assert await expire_quotes(ctx, TODAY) == {"today": "2026-05-04", "expired": 0}
    assert ctx.runtime.outbox.events == []
    assert ctx.runtime.commits == 0


async def test_the_fake_like_the_repository_refuses_a_save_under_an_old_version() -> None:
    quotes = FakeQuotesRepository()
    quotes.keep(sent_quote("q-1", date(2026, 4, 30)))
    first, second = await quotes.quote("q-1"), await quotes.quote("q-1")
    assert first is not None and second is not None
    first.accept(date(2026, 4, 20))
    await quotes.save(first, {})
    second.reject(date(2026, 4, 21))
    with pytest.raises(StaleVersion):
        await quotes.save(second, {})
