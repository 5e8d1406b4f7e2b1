"""Client payments: applied to invoices, or kept unmatched for an advisor.

Every application of money to an invoice is one ``payments`` document with a
deterministic ``application_key`` (unique index) and one
``invoicing.payment.received.v1`` event, written in the transaction that
moves the invoice to partially paid or paid: a retried or concurrent import
or assignment can never count the same money twice. What an invoice cannot
take is one ``unmatched_payments`` document (unique ``source_key``), never
dropped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import (
    InvoicePaid,
    InvoicePartiallyPaid,
    PaymentAssigned,
    PaymentReceived,
    PaymentRefunded,
    PaymentReversed,
    PaymentUnmatched,
)
from coop_shared.errors import Conflict, NotFound
from coop_shared.messaging.envelope import Envelope, EventPayload
from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import PaymentFilters, StaleVersion
from invoicing.domain.errors import DomainConflictError, DomainValidationError
from invoicing.domain.invoice import Invoice, InvoiceStatus
from invoicing.domain.money import ZERO
from invoicing.domain.payments import CURRENCY, Allocation, UnmatchedReason, allocate, unpayable_reason
from invoicing.service_layer.context import Context
from invoicing.service_layer.drafting import is_intra_cooperative


def unmatched_not_found() -> NotFound:
    return NotFound("unmatched_payment_not_found", "No such unmatched payment.", "unmatched_id")


def payment_not_found() -> NotFound:
    return NotFound("payment_not_found", "No such payment.", "payment_id")


def _invoice_not_found() -> NotFound:
    return NotFound("invoice_not_found", "No such invoice.", "invoice_id")


@dataclass
class Applied:
    """The result of putting money on an invoice inside a transaction."""

    payment: Document
    invoice: Document
    allocation: Allocation
    fully_paid: bool
    events: list[Envelope] = field(default_factory=list)


@dataclass
class PaymentService:
    ctx: Context

    # -- the two primitives, run inside the caller's transaction ---------------------------------

    def _event(self, payload: EventPayload, subject: str) -> Envelope:
        return self.ctx.runtime.event(payload, subject=subject)

    async def apply(self, session: AsyncClientSession, invoice: Invoice, invoice_doc: Document, amount: Decimal, *,
                    received_on: date, application_key: str, origin: Document) -> Applied:
        """Apply ``amount`` to an open invoice (as read, with its document): the invoice takes at most its
        outstanding amount; the caller keeps the excess (``allocation.excess``)."""
        allocation = allocate(amount, invoice.outstanding)
        outcome = invoice.record_payment(allocation.applied)
        split = outcome.applied
        if split is None:  # the caller checks payability first: this is a bug, not bad input
            raise RuntimeError(f"invoice {invoice.id} took nothing of a payment")
        fully_paid = invoice.status is InvoiceStatus.PAID
        now = self.ctx.clock.now()
        update: Document = {"last_payment_on": received_on.isoformat(), "updated_at": now}
        if fully_paid:
            update["paid_on"] = received_on.isoformat()
        saved = await self.ctx.invoices.save(invoice, update, session)
        member_id = str(invoice_doc.get("owner_id") or "")
        payment: Document = {
            "_id": str(uuid.uuid4()), "application_key": application_key, "invoice_id": invoice.id,
            "invoice_number": invoice_doc["number"], "activity_id": invoice.activity_id, "member_id": member_id,
            "received_on": received_on.isoformat(), "amount": split.amount, "amount_excl_vat": split.excl_vat,
            "vat": split.vat, "contribution": split.contribution, "activity_share": split.activity_share,
            "outstanding_after": invoice.outstanding, "fully_paid": fully_paid,
            "intra_cooperative": is_intra_cooperative(invoice_doc["client"]), **origin, "created_at": now,
            "updated_at": now,
        }
        await self.ctx.payments.insert(payment, session)
        events = [self._event(PaymentReceived(
            payment_id=payment["_id"], invoice_id=invoice.id, invoice_number=invoice_doc["number"],
            activity_id=invoice.activity_id, member_id=member_id, received_on=received_on, amount=split.amount,
            amount_excl_vat=split.excl_vat, vat=split.vat, contribution=split.contribution,
            activity_share=split.activity_share, outstanding_incl_vat=invoice.outstanding, fully_paid=fully_paid,
            intra_cooperative=payment["intra_cooperative"]), invoice.id)]
        if fully_paid:
            events.append(self._event(InvoicePaid(invoice_id=invoice.id, number=invoice_doc["number"],
                                                  activity_id=invoice.activity_id, member_id=member_id,
                                                  paid_on=received_on), invoice.id))
        else:
            events.append(self._event(InvoicePartiallyPaid(
                invoice_id=invoice.id, number=invoice_doc["number"], activity_id=invoice.activity_id,
                member_id=member_id, paid_on=received_on, amount_paid=invoice.amount_paid,
                outstanding_incl_vat=invoice.outstanding), invoice.id))
        await self.ctx.runtime.outbox.add(events, session=session)
        return Applied(payment=payment, invoice=saved, allocation=allocation, fully_paid=fully_paid, events=events)

    async def keep_unmatched(self, session: AsyncClientSession, *, source_key: str, amount: Decimal,
                             received_on: date, reason: UnmatchedReason, origin: Document,
                             currency: str = CURRENCY, invoice_doc: Document | None = None,
                             ogm: str | None = None) -> Document:
        """Keep money no invoice took, for an advisor to assign or refund."""
        doc: Document = {
            "_id": str(uuid.uuid4()), "source_key": source_key, "amount": amount, "remaining": amount,
            "currency": currency, "received_on": received_on.isoformat(), "reason": reason.value, "ogm": ogm,
            "invoice_id": None if invoice_doc is None else invoice_doc["_id"],
            "invoice_number": None if invoice_doc is None else invoice_doc.get("number"),
            "status": "open", "assignments": [], **origin, "created_at": self.ctx.clock.now(), "version": 1,
        }
        await self.ctx.unmatched.insert(doc, session)
        event = PaymentUnmatched(
            unmatched_id=doc["_id"], amount=amount, currency=currency, received_on=received_on, reason=reason.value,
            reference=origin.get("reference"), invoice_id=doc["invoice_id"], statement_id=origin.get("statement_id"),
            debtor_name=origin.get("debtor_name"))
        await self.ctx.runtime.outbox.add([self._event(event, doc["_id"])], session=session)
        return doc

    async def reverse(self, session: AsyncClientSession, payment_id: str, *, reversed_on: date,
                      line_id: str) -> Document:
        """Take a payment back off its invoice (the bank reversed it); announces it for the ledger.

        Raises DomainConflictError when the invoice cannot reopen (credited, written off since):
        the caller keeps the reversal for an advisor.
        """
        payment = await self.ctx.payments.get(payment_id, session)
        if payment is None or payment.get("reversed_on") is not None:
            raise DomainConflictError("payment.already_reversed", "This payment was already taken back.",
                                      "payment_id")
        invoice, invoice_doc = await self._stored_invoice(payment["invoice_id"], session)
        invoice.reverse_payment(Decimal(payment["amount"]))
        now = self.ctx.clock.now()
        saved = await self.ctx.invoices.save(invoice, {"updated_at": now}, session, unset=("paid_on",))
        if not await self.ctx.payments.mark_reversed(payment_id, reversed_on, line_id, now, session):
            raise StaleVersion(payment_id)
        event = PaymentReversed(
            payment_id=payment_id, invoice_id=invoice.id, invoice_number=invoice_doc["number"],
            activity_id=invoice.activity_id, member_id=str(invoice_doc.get("owner_id") or ""),
            reversed_on=reversed_on, amount=payment["amount"], amount_excl_vat=payment["amount_excl_vat"],
            vat=payment["vat"], contribution=payment["contribution"], activity_share=payment["activity_share"],
            outstanding_incl_vat=invoice.outstanding, invoice_status=invoice.status.value)
        await self.ctx.runtime.outbox.add([self._event(event, invoice.id)], session=session)
        return saved

    async def reverse_unmatched(self, session: AsyncClientSession, unmatched_id: str, *,
                                line_id: str) -> bool:
        """An unmatched amount the bank took back is no longer there to assign; False if already used."""
        kept = await self.ctx.unmatched.get(unmatched_id, session)
        if kept is None or kept["status"] != "open" or Decimal(kept["remaining"]) != Decimal(kept["amount"]):
            return False
        await self.ctx.unmatched.update(unmatched_id, kept["version"],
                                        {"status": "reversed", "remaining": ZERO, "reversal_line_id": line_id},
                                        session)
        return True

    async def _stored_invoice(self, invoice_id: str, session: AsyncClientSession) -> tuple[Invoice, Document]:
        found = await self.ctx.invoices.with_document(invoice_id, session)
        if found is None or not isinstance(found[0], Invoice):
            raise _invoice_not_found()
        return found[0], found[1]

    # -- use cases -------------------------------------------------------------------------------

    async def _visible_invoice(self, principal: Principal, invoice_id: str) -> Document:
        doc = await self.ctx.invoices.get(invoice_id)
        if doc is None or doc.get("kind") != "invoice":
            raise _invoice_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], _invoice_not_found())
        return doc

    @staticmethod
    def _require_payable(doc: Document) -> None:
        if "number" not in doc:
            raise Conflict("invoice.not_issued", "A draft is not paid: issue it first.", "invoice_id")
        if doc.get("internal_transfer"):
            raise Conflict("invoice.internal_transfer",
                           "An internal transfer is settled from the buying activity's budget once its manager "
                           "approves it, never by a payment.", "invoice_id")
        reason = unpayable_reason(InvoiceStatus(doc["status"]))
        if reason is UnmatchedReason.INVOICE_ALREADY_PAID:
            raise Conflict("invoice.already_paid", "This invoice is already paid.", "invoice_id")
        if reason is not None:
            raise Conflict("invoice.not_payable", f"A {doc['status']} invoice takes no payment.", "invoice_id")

    async def _commit(self, work: Any) -> Any:
        try:
            return await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("payment.concurrent_update", "The invoice or payment changed meanwhile; try again.") \
                from exc

    async def record_manual(self, principal: Principal, invoice_id: str, amount: Decimal, received_on: date,
                            reference: str | None, note: str | None) -> tuple[Document, Document, Document | None]:
        """A payment an advisor saw arrive (cash, a transfer outside the statements)."""
        if received_on > self.ctx.clock.today():
            raise DomainValidationError("payment.date_in_future", "A payment cannot be received in the future.",
                                        "received_on")
        await self._visible_invoice(principal, invoice_id)
        payment_key = str(uuid.uuid4())

        async def work(session: AsyncClientSession) -> tuple[Document, Document, Document | None]:
            invoice, doc = await self._stored_invoice(invoice_id, session)
            self._require_payable(doc)
            origin = {"source": "manual", "reference": reference, "note": note, "recorded_by": principal.id}
            applied = await self.apply(session, invoice, doc, amount, received_on=received_on,
                                       application_key=f"manual:{payment_key}", origin=origin)
            excess = None
            if applied.allocation.excess > 0:
                excess = await self.keep_unmatched(
                    session, source_key=f"manual:{payment_key}:excess", amount=applied.allocation.excess,
                    received_on=received_on, reason=UnmatchedReason.OVERPAYMENT, invoice_doc=doc,
                    origin={"source": "manual", "reference": reference, "recorded_by": principal.id,
                            "payment_id": applied.payment["_id"]})
            return applied.payment, applied.invoice, excess

        result: tuple[Document, Document, Document | None] = await self._commit(work)
        return result

    async def assign(self, principal: Principal, unmatched_id: str, invoice_id: str,
                     amount: Decimal | None) -> tuple[Document, Document, Document]:
        """Apply (part of) an unmatched amount to the invoice an advisor chose."""
        if await self.ctx.unmatched.get(unmatched_id) is None:
            raise unmatched_not_found()
        await self._visible_invoice(principal, invoice_id)

        async def work(session: AsyncClientSession) -> tuple[Document, Document, Document]:
            kept = await self.ctx.unmatched.get(unmatched_id, session)
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if kept is None:
                raise unmatched_not_found()
            if found is None or not isinstance(found[0], Invoice):
                raise _invoice_not_found()
            invoice, doc = found[0], found[1]
            remaining = Decimal(kept["remaining"])
            if kept["status"] != "open" or remaining <= 0:
                raise Conflict("unmatched.not_open", f"This amount is already {kept['status']}.", "unmatched_id")
            if kept.get("currency", CURRENCY) != CURRENCY:
                raise Conflict("unmatched.currency_not_eur", "Only euros are applied to invoices: refund it.",
                               "unmatched_id")
            self._require_payable(doc)
            outstanding = invoice.outstanding
            wanted = min(remaining, outstanding) if amount is None else amount
            if wanted > remaining:
                raise DomainValidationError("payment.exceeds_unmatched",
                                            f"Only {remaining} of this amount is left to assign.", "amount")
            if wanted > outstanding:
                raise Conflict("payment.exceeds_outstanding",
                               f"The invoice only asks for {outstanding} more.", "amount")
            origin = {"source": "assignment", "unmatched_id": unmatched_id, "reference": kept.get("reference"),
                      "statement_id": kept.get("statement_id"), "debtor_name": kept.get("debtor_name"),
                      "recorded_by": principal.id}
            applied = await self.apply(session, invoice, doc, wanted,
                                       received_on=date.fromisoformat(kept["received_on"]),
                                       application_key=f"unmatched:{unmatched_id}:v{kept['version']}",
                                       origin=origin)
            left = remaining - applied.allocation.applied
            assignment = {"payment_id": applied.payment["_id"], "invoice_id": invoice_id,
                          "amount": applied.allocation.applied, "by": principal.id, "at": self.ctx.clock.now()}
            saved = await self.ctx.unmatched.update(
                unmatched_id, kept["version"],
                {"remaining": left, "status": "open" if left > 0 else "assigned",
                 "assignments": [*kept.get("assignments", []), assignment]}, session)
            event = PaymentAssigned(
                unmatched_id=unmatched_id, payment_id=applied.payment["_id"], invoice_id=invoice_id,
                invoice_number=doc["number"], activity_id=doc["activity_id"],
                member_id=str(doc.get("owner_id") or ""), amount=applied.allocation.applied,
                remaining_unmatched=left, assigned_by=principal.id)
            await self.ctx.runtime.outbox.add([self._event(event, unmatched_id)], session=session)
            return applied.payment, applied.invoice, saved

        result: tuple[Document, Document, Document] = await self._commit(work)
        return result

    async def refund(self, principal: Principal, unmatched_id: str, reason: str) -> Document:
        """Record that what is left of an unmatched amount goes back to the payer."""

        async def work(session: AsyncClientSession) -> Document:
            kept = await self.ctx.unmatched.get(unmatched_id, session)
            if kept is None:
                raise unmatched_not_found()
            remaining = Decimal(kept["remaining"])
            if kept["status"] != "open" or remaining <= 0:
                raise Conflict("unmatched.not_open", f"This amount is already {kept['status']}.", "unmatched_id")
            refund = {"amount": remaining, "reason": reason, "by": principal.id, "at": self.ctx.clock.now()}
            saved = await self.ctx.unmatched.update(unmatched_id, kept["version"],
                                                    {"remaining": ZERO, "status": "refunded", "refund": refund},
                                                    session)
            event = PaymentRefunded(unmatched_id=unmatched_id, amount=remaining, reason=reason,
                                    refunded_by=principal.id)
            await self.ctx.runtime.outbox.add([self._event(event, unmatched_id)], session=session)
            return saved

        saved: Document = await self._commit(work)
        return saved

    # -- reading ---------------------------------------------------------------------------------

    async def get(self, principal: Principal, payment_id: str) -> Document:
        doc = await self.ctx.payments.get(payment_id)
        if doc is None:
            raise payment_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], payment_not_found())
        return doc

    async def list_payments(self, principal: Principal, filters: Document, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        scope = await self.ctx.access.list_scope(principal, filters.get("activity_id"))
        if scope is None:
            return [], None
        narrowed = PaymentFilters(activity_ids=scope.activity_ids, invoice_id=filters.get("invoice_id"),
                                  source=filters.get("source"), statement_id=filters.get("statement_id"),
                                  updated_since=filters.get("updated_since"))
        return await self.ctx.payments.page_of(narrowed, limit, cursor)

    async def get_unmatched(self, unmatched_id: str) -> Document:
        doc = await self.ctx.unmatched.get(unmatched_id)
        if doc is None:
            raise unmatched_not_found()
        return doc

    async def list_unmatched(self, status: str | None, limit: int,
                             cursor: str | None) -> tuple[list[Document], str | None]:
        return await self.ctx.unmatched.page_of(limit, cursor, status=status)


def is_duplicate(exc: DuplicateKeyError) -> bool:
    """A unique key of the payment ledger refused a second copy (vs. any other unique index)."""
    text = str(exc)
    return any(name in text for name in ("bank_lines_key_unique", "payments_application_unique",
                                          "unmatched_source_unique", "line_key", "application_key", "source_key"))
