"""Test support: producer-consistent invoicing scenarios and an in-memory book.

A scenario is what the invoicing service would really announce for a few
activities (issued invoices, partial payments whose contributions add up to
the invoice's, write-offs and credit notes that state what was still
outstanding, approved expenses), cut into phases by salary requests. Events
of one phase may be delivered in any order and more than once; salary
requests happen between phases. ``MemoryBook`` applies them with the same
pure functions the event handlers use, so property tests can run thousands
of scenarios without a database and compare the real handlers to it.

Used by the test suites only; it depends on nothing a test would not have.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from coop_shared.contracts.invoicing import (
    ExpenseApproved,
    InvoiceCredited,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentReceived,
)
from coop_shared.messaging.envelope import Envelope, EventPayload
from payroll.domain import ledger
from payroll.domain.errors import DomainError, ErrorCode
from payroll.domain.ledger import Transaction
from payroll.domain.money import ZERO, round_cents
from payroll.domain.position import ActivityPosition, Receivable, salary_committed
from payroll.domain.rules import RuleBook
from payroll.domain.salary import salary_from_gross
from payroll.service_layer.facts import INVOICING_FACTS, InvoicingFact, apply_fact, invoice_id_of

VAT_RATE = Decimal("0.21")
CONTRIBUTION_RATE = Decimal("0.065")
EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SalaryCommand:
    activity_id: str
    member_id: str
    gross: Decimal
    worked_days: int


@dataclass(frozen=True)
class Phase:
    events: tuple[Envelope, ...]
    salary: SalaryCommand | None = None


@dataclass(frozen=True)
class Scenario:
    owners: dict[str, str]  # activity id -> owner member id
    issued: tuple[Envelope, ...]
    phases: tuple[Phase, ...]


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


class _Clock:
    def __init__(self) -> None:
        self.at = EPOCH

    def tick(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def _envelope(payload: EventPayload, clock: _Clock) -> Envelope:
    return Envelope(id=str(uuid.uuid4()), type=payload.event_type, source="invoicing", time=clock.tick(),
                    data=payload.model_dump(mode="json"))


def invoicing_scenario(
    seed: int, prefix: str, *, activities: int = 2, max_invoices: int = 3, phases: int = 3
) -> Scenario:
    """A random but consistent scenario; the same seed with another prefix gives the same amounts."""
    rng = random.Random(seed)
    clock = _Clock()
    owners = {f"{prefix}act-{a}": f"{prefix}member-{a}" for a in range(activities)}
    issued: list[Envelope] = []
    timelines: list[list[EventPayload]] = []
    for number, (activity_id, owner) in enumerate(owners.items()):
        # One kind of loss per activity: the fund absorbs write-offs, the activity bears its credit notes,
        # and which of the two takes a shared uncovered advance depends on the order they happened in.
        writes_off = rng.random() < 0.6
        for i in range(rng.randint(0, max_invoices)):
            issue, later = _invoice(rng, f"{prefix}inv-{number}-{i}", f"2026-{number:02d}{i:04d}", activity_id, owner,
                                    writes_off)
            issued.append(_envelope(issue, clock))
            timelines.append(later)
        for e in range(rng.randint(0, 2)):
            timelines.append([_expense(rng, f"{prefix}exp-{number}-{e}", activity_id, owner)])
    # Merge the per-invoice timelines (each stays in producer order), then cut into phases.
    merged: list[EventPayload] = []
    queues = [list(t) for t in timelines if t]
    while queues:
        queue = rng.choice(queues)
        merged.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    cuts = sorted(rng.randint(0, len(merged)) for _ in range(phases - 1))
    bounds = [0, *cuts, len(merged)]
    result: list[Phase] = []
    for start, end in itertools.pairwise(bounds):
        activity_id = rng.choice(list(owners))
        days = rng.randint(1, 3)
        salary = SalaryCommand(activity_id, owners[activity_id], _cents(rng, 100 * days, 1500), days)
        result.append(Phase(tuple(_envelope(p, clock) for p in merged[start:end]), salary))
    return Scenario(owners, tuple(issued), tuple(result))


def _invoice(
    rng: random.Random, invoice_id: str, number: str, activity_id: str, owner: str, writes_off: bool = True
) -> tuple[InvoiceIssued, list[EventPayload]]:
    excl = _cents(rng, 100, 3000)
    vat = round_cents(excl * VAT_RATE)
    contribution = round_cents(excl * CONTRIBUTION_RATE)
    issue = InvoiceIssued(
        invoice_id=invoice_id, number=number, activity_id=activity_id, member_id=owner, client_id="client-1",
        client_name="Client", issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31), total_excl_vat=excl,
        total_vat=vat, total_incl_vat=excl + vat, contribution_rate=CONTRIBUTION_RATE, contribution=contribution,
        activity_share=excl - contribution, structured_communication="+++000/0000/00097+++",
    )
    later: list[EventPayload] = []
    paid_excl = paid_vat = paid_cut = ZERO
    for p in range(rng.randint(0, 3)):
        left = excl - paid_excl
        if left <= 0:
            break
        last = rng.random() < 0.4
        part = left if last else min(left, _cents(rng, 1, max(1, int(left))))
        final = part == left
        part_vat = vat - paid_vat if final else round_cents(part * VAT_RATE)
        part_cut = contribution - paid_cut if final else round_cents(part * CONTRIBUTION_RATE)
        paid_excl, paid_vat, paid_cut = paid_excl + part, paid_vat + part_vat, paid_cut + part_cut
        later.append(PaymentReceived(
            payment_id=f"{invoice_id}-pay-{p}", invoice_id=invoice_id, invoice_number=number,
            activity_id=activity_id, member_id=owner, received_on=date(2026, 3, 10), amount=part + part_vat,
            amount_excl_vat=part, vat=part_vat, contribution=part_cut, activity_share=part - part_cut,
            outstanding_incl_vat=excl + vat - paid_excl - paid_vat, fully_paid=final,
        ))
    outstanding_share = (excl - contribution) - (paid_excl - paid_cut)
    if outstanding_share > 0 and rng.random() < 0.5:
        outstanding_incl = excl + vat - paid_excl - paid_vat
        if writes_off:
            later.append(InvoiceWrittenOff(
                invoice_id=invoice_id, number=number, activity_id=activity_id, member_id=owner,
                outstanding_incl_vat=outstanding_incl, outstanding_activity_share=outstanding_share,
                reason="client insolvent",
            ))
        else:
            later.append(InvoiceCredited(
                invoice_id=invoice_id, number=number, credit_note_id=f"{invoice_id}-cn",
                credit_note_number=f"CN-{number}", activity_id=activity_id, member_id=owner,
                total_excl_vat=excl - paid_excl, total_incl_vat=outstanding_incl, total_vat=vat - paid_vat,
                full=False, outstanding_activity_share=outstanding_share, unpaid_vat=vat - paid_vat,
            ))
    return issue, later


def _expense(rng: random.Random, expense_id: str, activity_id: str, owner: str) -> ExpenseApproved:
    incl = _cents(rng, 10, 400)
    vat = round_cents(incl * VAT_RATE / (1 + VAT_RATE))
    deductible = vat if rng.random() < 0.7 else ZERO
    return ExpenseApproved(
        expense_id=expense_id, activity_id=activity_id, member_id=owner, expense_date=date(2026, 3, 3),
        supplier="Supplier", amount_incl_vat=incl, vat=vat, deductible_vat=deductible,
        amount_charged=incl - deductible, approved_by="advisor-1",
    )


def deliveries(events: Sequence[Envelope], rng: random.Random, duplicates: float = 0.3) -> list[Envelope]:
    """``events`` in a random order, some of them delivered twice (at-least-once delivery)."""
    delivered = list(events) + [e for e in events if rng.random() < duplicates]
    rng.shuffle(delivered)
    return delivered


_MODELS: dict[str, type[InvoicingFact]] = {model.event_type: model for model in INVOICING_FACTS}


def parse_fact(envelope: Envelope) -> InvoicingFact:
    return envelope.payload(_MODELS[envelope.type])


@dataclass
class MemoryBook:
    """The ledger in memory, applying events exactly as the handlers do (one envelope id once, one source key once)."""

    rules: RuleBook
    positions: dict[str, ActivityPosition] = field(default_factory=dict)
    receivables: dict[str, Receivable] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)

    def position(self, activity_id: str) -> ActivityPosition:
        return self.positions.get(activity_id) or ActivityPosition(activity_id)

    def deliver(self, envelope: Envelope) -> None:
        if envelope.id in self.seen:
            return
        self.seen.add(envelope.id)
        fact = parse_fact(envelope)
        invoice_id = invoice_id_of(fact)
        receivable = self.receivables.get(invoice_id) if invoice_id else None
        outcome = apply_fact(self.position(fact.activity_id), receivable, fact, envelope.time)
        if any(t.source_key in self.transactions for t in outcome.transactions):
            return  # the same business fact in another envelope
        self._store(outcome.position, outcome.transactions)
        if outcome.receivable is not None:
            self.receivables[outcome.receivable.invoice_id] = outcome.receivable

    def deliver_all(self, envelopes: Iterable[Envelope]) -> None:
        for envelope in envelopes:
            self.deliver(envelope)

    def request_salary(self, command: SalaryCommand, contract_id: str, work_day: date) -> bool:
        salary = salary_from_gross(command.gross, command.worked_days, self.rules.for_date(work_day))
        try:
            outcome = salary_committed(self.position(command.activity_id), contract_id=contract_id, salary=salary,
                                       occurred_at=EPOCH)
        except DomainError as error:
            if error.code != ErrorCode.INSUFFICIENT_BUDGET:
                raise
            self.refused.append(contract_id)
            return False
        self._store(outcome.position, outcome.transactions)
        return True

    def _store(self, position: ActivityPosition, transactions: Iterable[Transaction]) -> None:
        self.positions[position.activity_id] = position
        for transaction in transactions:
            self.transactions[transaction.source_key] = transaction

    def balances(self) -> dict[str, Decimal]:
        return ledger.balances(self.transactions.values())
