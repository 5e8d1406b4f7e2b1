"""Invoicing events into the ledger: payments, expenses, and the invoices the guarantee counts on.

Each event is applied once (``apply_once`` marker by envelope id) and each
business fact booked once (the transaction's source key is the payment's,
expense's, write-off's or credit note's own id), so a redelivery or a second
envelope for the same fact changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.invoicing import PaymentReceived, PaymentReversed
from coop_shared.messaging.consumer import PermanentError
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.idempotency import apply_once
from coop_shared.service import Runtime
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain import position as book
from payroll.domain.errors import DomainError
from payroll.service_layer.bookkeeping import store_outcome
from payroll.service_layer.facts import (
    INVOICING_FACTS,
    InvoicingFact,
    apply_fact,
    invoice_id_of,
    source_key_of,
)
from payroll.service_layer.retry import retrying

HANDLER = "payroll.ledger"


async def book_fact(runtime: Runtime, envelope: Envelope, fact: InvoicingFact) -> bool:
    """Apply one invoicing event; False when it had already been applied."""

    async def effect(session: AsyncClientSession) -> None:
        ledger = LedgerRepository(runtime.db, runtime.clock)
        if await ledger.has_transaction(source_key_of(fact), session):
            return  # the same payment, expense or write-off announced again under another event id
        invoice_id = invoice_id_of(fact)
        receivable = await ledger.receivable(invoice_id, session) if invoice_id else None
        position = await ledger.position(fact.activity_id, session)
        outcome = apply_fact(position, receivable, fact, envelope.time)
        cause = fact.payment_id if isinstance(fact, PaymentReceived) else invoice_id
        await store_outcome(runtime, outcome, session, receivable_before=receivable, cause_id=cause,
                            occurred_at=envelope.time)

    async def once() -> bool:
        return await apply_once(runtime.mongo, runtime.db, handler=HANDLER, event_id=envelope.id, effect=effect)

    try:
        applied = await retrying(once)
    except DomainError as error:
        # Amounts that contradict each other will not improve with retries.
        raise PermanentError(f"{envelope.type} {envelope.id}: {error.code}: {error.message}") from error
    if applied:
        runtime.outbox.notify()
    return applied


class PaymentNotBookedYet(Exception):
    """A reversal arrived before the payment it takes back: retried (events have no global order)."""


async def book_reversal(runtime: Runtime, envelope: Envelope, fact: PaymentReversed) -> bool:
    """Undo, exactly, what a client payment the bank took back had booked."""
    source_key = f"payment-reversal:{fact.payment_id}"

    async def effect(session: AsyncClientSession) -> None:
        ledger = LedgerRepository(runtime.db, runtime.clock)
        if await ledger.has_transaction(source_key, session):
            return
        original = await ledger.transaction(f"payment:{fact.payment_id}", session)
        if original is None:
            raise PaymentNotBookedYet(fact.payment_id)
        receivable = await ledger.receivable(fact.invoice_id, session)
        position = await ledger.position(fact.activity_id, session)
        outcome = book.payment_reversed(
            position, receivable or book.Receivable(fact.invoice_id, fact.activity_id), original=original,
            source_key=source_key, occurred_at=envelope.time,
            memo=f"Payment on invoice {fact.invoice_number} reversed by the bank")
        await store_outcome(runtime, outcome, session, receivable_before=receivable, cause_id=fact.payment_id,
                            occurred_at=envelope.time)

    async def once() -> bool:
        return await apply_once(runtime.mongo, runtime.db, handler=HANDLER, event_id=envelope.id, effect=effect)

    try:
        applied = await retrying(once)
    except DomainError as error:
        raise PermanentError(f"{envelope.type} {envelope.id}: {error.code}: {error.message}") from error
    if applied:
        runtime.outbox.notify()
    return applied


def ledger_handlers(runtime: Runtime) -> dict[str, Callable[[Envelope], Awaitable[None]]]:
    def handler(model: type[InvoicingFact]) -> Callable[[Envelope], Awaitable[None]]:
        async def handle(envelope: Envelope) -> None:
            await book_fact(runtime, envelope, envelope.payload(model))

        return handle

    async def reversal(envelope: Envelope) -> None:
        await book_reversal(runtime, envelope, envelope.payload(PaymentReversed))

    return {**{model.event_type: handler(model) for model in INVOICING_FACTS}, PaymentReversed.event_type: reversal}
