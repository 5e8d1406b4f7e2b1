"""Storing an outcome: the position, the invoice, the transactions and the events they cause, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.payroll import AdvanceRepaid, BudgetChanged, WriteOffAbsorbed
from coop_shared.messaging.envelope import Envelope
from coop_shared.service import Runtime
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.position import Outcome, Receivable


async def store_outcome(
    runtime: Runtime,
    outcome: Outcome,
    session: AsyncClientSession,
    *,
    occurred_at: datetime,
    receivable_before: Receivable | None = None,
    cause_id: str | None = None,
    events: Sequence[Envelope] = (),
    ledger: LedgerRepository | None = None,
) -> None:
    """Write everything an outcome changed; ``cause_id`` names the payment or invoice behind it, ``occurred_at``
    dates the change (the year whose statement it counts in); ``ledger``: the use case's repository (by default
    the MongoDB one on the runtime's database)."""
    ledger = ledger if ledger is not None else LedgerRepository(runtime.db, runtime.clock)
    position = outcome.position
    if outcome.changed:
        await ledger.save_position(outcome.before, position, session, occurred_at=occurred_at)
    if outcome.receivable is not None and outcome.receivable != receivable_before:
        await ledger.save_receivable(outcome.receivable, session)
    await ledger.add(outcome.transactions, position.activity_id, session)
    emitted = list(events)
    subject = position.activity_id
    if outcome.budget_changed:
        emitted.append(runtime.event(BudgetChanged(
            activity_id=subject, available_budget=position.available, ledger_sequence=position.sequence),
            subject=subject))
    if outcome.repaid > 0:
        emitted.append(runtime.event(AdvanceRepaid(
            activity_id=subject, amount=outcome.repaid, payment_id=cause_id or "",
            outstanding_advance=position.advance,
            invoice_id=outcome.receivable.invoice_id if outcome.receivable else None), subject=subject))
    if outcome.absorbed > 0 and outcome.receivable is not None:
        reason = "written_off" if outcome.receivable.written_off else "credited"
        emitted.append(runtime.event(WriteOffAbsorbed(
            activity_id=subject, invoice_id=outcome.receivable.invoice_id, amount=outcome.absorbed,
            outstanding_advance=position.advance, reason=reason), subject=subject))
    await runtime.outbox.add(emitted, session=session)
