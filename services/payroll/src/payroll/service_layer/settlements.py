"""Money that leaves or moves without a client paying: refunds after credit notes, transfers between activities.

- ``invoicing.refund.paid.v1``: the refund owed to a client went out; the
  refunds payable are settled against the bank.
- ``invoicing.internal_transfer.approved.v1``: the buyer activity's manager
  approved an internal invoice; the amount moves from the buyer's budget to
  the seller's in one balanced transaction with no bank posting, or the
  transfer is refused (``payroll.internal_transfer.refused.v1``) while the
  buyer's available budget is short. Either way invoicing is told.

Each event is applied once (``apply_once``) and each fact booked once (the
transaction's source key is the refund's or the transfer's id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.invoicing import InternalTransferApproved, RefundPaid
from coop_shared.contracts.payroll import BudgetChanged, InternalTransferRefused, InternalTransferSettled
from coop_shared.messaging.consumer import PermanentError
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.idempotency import apply_once
from coop_shared.service import Runtime
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain import ledger as book
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.position import internal_transfer
from payroll.service_layer.retry import retrying

HANDLER = "payroll.settlements"


def refund_source_key(refund_id: str) -> str:
    return f"refund-paid:{refund_id}"


def transfer_source_key(transfer_id: str) -> str:
    return f"internal-transfer:{transfer_id}"


async def _once(runtime: Runtime, envelope: Envelope,
                effect: Callable[[AsyncClientSession], Awaitable[None]]) -> None:
    async def run() -> bool:
        return await apply_once(runtime.mongo, runtime.db, handler=HANDLER, event_id=envelope.id, effect=effect)

    try:
        applied = await retrying(run)
    except DomainError as error:
        raise PermanentError(f"{envelope.type} {envelope.id}: {error.code}: {error.message}") from error
    if applied:
        runtime.outbox.notify()


async def book_refund_paid(runtime: Runtime, envelope: Envelope) -> None:
    fact = envelope.payload(RefundPaid)
    key = refund_source_key(fact.refund_id)

    async def effect(session: AsyncClientSession) -> None:
        ledger = LedgerRepository(runtime.db, runtime.clock)
        if await ledger.has_transaction(key, session):
            return
        transaction = book.refund_paid(key, fact.amount, envelope.time,
                                       f"Refund after credit note {fact.credit_note_id}")
        await ledger.add([transaction], fact.activity_id, session)

    await _once(runtime, envelope, effect)


async def book_internal_transfer(runtime: Runtime, envelope: Envelope) -> None:
    fact = envelope.payload(InternalTransferApproved)
    key = transfer_source_key(fact.transfer_id)

    async def effect(session: AsyncClientSession) -> None:
        ledger = LedgerRepository(runtime.db, runtime.clock)
        if await ledger.has_transaction(key, session):
            return
        buyer = await ledger.position(fact.buyer_activity_id, session)
        seller = await ledger.position(fact.seller_activity_id, session)
        try:
            paid, received = internal_transfer(buyer, seller, source_key=key, amount=fact.amount,
                                               occurred_at=envelope.time, memo=f"Internal transfer {fact.number}")
        except DomainError as error:
            if error.code != ErrorCode.INSUFFICIENT_BUDGET:
                raise
            refused = InternalTransferRefused(transfer_id=fact.transfer_id, invoice_id=fact.invoice_id,
                                              buyer_activity_id=fact.buyer_activity_id, amount=fact.amount,
                                              available_budget=buyer.available)
            await runtime.outbox.add([runtime.event(refused, subject=fact.transfer_id)], session=session)
            return
        events = []
        for outcome in (paid, received):
            await ledger.save_position(outcome.before, outcome.position, session, occurred_at=envelope.time)
            events.append(runtime.event(BudgetChanged(
                activity_id=outcome.position.activity_id, available_budget=outcome.position.available,
                ledger_sequence=outcome.position.sequence), subject=outcome.position.activity_id))
        # One transaction, listed in both activities' statements.
        transaction = paid.transactions[0]
        await ledger.add([transaction], fact.buyer_activity_id, session)
        await ledger.link(transaction.source_key, fact.seller_activity_id, session)
        events.append(runtime.event(InternalTransferSettled(
            transfer_id=fact.transfer_id, invoice_id=fact.invoice_id, seller_activity_id=fact.seller_activity_id,
            buyer_activity_id=fact.buyer_activity_id, amount=fact.amount), subject=fact.transfer_id))
        await runtime.outbox.add(events, session=session)

    await _once(runtime, envelope, effect)


def settlement_handlers(runtime: Runtime) -> dict[str, Callable[[Envelope], Awaitable[None]]]:
    async def refund(envelope: Envelope) -> None:
        await book_refund_paid(runtime, envelope)

    async def transfer(envelope: Envelope) -> None:
        await book_internal_transfer(runtime, envelope)

    return {RefundPaid.event_type: refund, InternalTransferApproved.event_type: transfer}
