"""Refunds owed to clients: money already received on an invoice that a credit note gave back.

A refund is created with its credit note (same transaction, one per note:
unique index), ``due`` until an advisor or admin records that it left the
bank (``paid``), which tells payroll to settle the refunds payable against
the bank (``invoicing.refund.paid.v1``), or sends every due refund whose
client account is known in one SEPA credit-transfer file (pain.001), which
pays them the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.auth.principal import Principal, Role
from coop_shared.contracts.invoicing import RefundPaid
from coop_shared.errors import Conflict, Forbidden, NotFound
from coop_shared.persistence.mongo import Document
from coop_shared.sepa import CreditTransfer, Debtor
from invoicing.adapters.refund_transfers import refund_credit_transfer
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.errors import DomainValidationError
from invoicing.service_layer.access import ListScope
from invoicing.service_layer.context import Context

STAFF = frozenset({Role.ADMIN, Role.ADVISOR})


def refund_not_found() -> NotFound:
    return NotFound("refund_not_found", "No such refund.", "refund_id")


@dataclass
class RefundService:
    ctx: Context

    async def list(self, principal: Principal, filters: Document, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        """Advisors and admins see every refund; a member sees those of the activities they run."""
        if principal.role in STAFF:
            scope: ListScope | None = ListScope.of(filters.get("activity_id"))
        else:
            scope = await self.ctx.access.list_scope(principal, filters.get("activity_id"))
        if scope is None:
            return [], None
        return await self.ctx.refunds.page_of(scope.activity_ids, limit, cursor, status=filters.get("status"),
                                              invoice_id=filters.get("invoice_id"))

    async def get(self, principal: Principal, refund_id: str) -> Document:
        doc = await self.ctx.refunds.get(refund_id)
        if doc is None:
            raise refund_not_found()
        if principal.role not in STAFF:
            await self.ctx.access.require_view(principal, doc["activity_id"], refund_not_found())
        return doc

    async def mark_paid(self, principal: Principal, refund_id: str, paid_on: date | None,
                        reference: str | None) -> Document:
        if principal.role not in STAFF:
            raise Forbidden("not_advisor", "Only an advisor or an admin records that a refund was paid.")
        day = paid_on or self.ctx.clock.today()
        if day > self.ctx.clock.today():
            raise DomainValidationError("refund.date_in_future", "A refund cannot be paid in the future.", "paid_on")

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.refunds.get(refund_id, session)
            if doc is None:
                raise refund_not_found()
            if doc["status"] != "due":
                raise Conflict("refund.not_due", f"This refund is already {doc['status']}.", "refund_id")
            return await self._paid(session, doc, day, principal, {"reference": reference})

        try:
            result: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("refund.concurrent_update", "The refund changed meanwhile; read it again.") from exc
        return result

    async def _paid(self, session: AsyncClientSession, doc: Document, day: date, principal: Principal,
                    changes: Document) -> Document:
        """Mark one due refund paid, on its invoice and credit note too, and tell payroll."""
        now = self.ctx.clock.now()
        saved = await self.ctx.refunds.update(doc["_id"], doc["version"], {
            "status": "paid", "paid_on": day.isoformat(), "paid_by": principal.id, "updated_at": now, **changes},
            session)
        for shown_on in (doc["invoice_id"], doc["credit_note_id"]):
            shown = await self.ctx.invoices.get(shown_on, session)
            if shown is not None:
                refs = [{**r, "status": "paid"} if r["id"] == doc["_id"] else r for r in shown.get("refunds") or []]
                await self.ctx.invoices.update(shown["_id"], shown["version"], {"refunds": refs, "updated_at": now},
                                               session)
        event = RefundPaid(refund_id=doc["_id"], invoice_id=doc["invoice_id"], credit_note_id=doc["credit_note_id"],
                           activity_id=doc["activity_id"], amount=doc["amount"], paid_on=day, paid_by=principal.id)
        await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=doc["_id"])], session=session)
        return saved

    async def payment_file(self, principal: Principal, execution_date: date | None) -> Document:
        """Every due refund whose client account is known, in one SEPA credit-transfer file; they are then paid."""
        if principal.role not in STAFF:
            raise Forbidden("not_advisor", "Only an advisor or an admin sends refunds.")
        today = self.ctx.clock.today()
        day = execution_date or today
        if day < today:
            raise DomainValidationError("refund.execution_date_past", "The execution date cannot be in the past.",
                                        "execution_date")
        batch_id = str(uuid.uuid4())

        async def work(session: AsyncClientSession) -> Document:
            due = await self.ctx.refunds.due_to_known_accounts(session)
            if not due:
                raise Conflict("refund.none_payable", "No due refund has a known client account.", "status")
            transfers = [CreditTransfer(end_to_end_id=f"RF{d['_id'].replace('-', '')[:30]}",
                                        creditor_name=d["client_name"], iban=d["client_iban"], amount=d["amount"],
                                        remittance=f"Refund credit note {d['credit_note_number']} "
                                                   f"invoice {d['invoice_number']}") for d in due]
            now = self.ctx.clock.now()
            message_id = f"REFUNDS-{batch_id.replace('-', '')[:24]}"
            settings = self.ctx.settings
            debtor = Debtor(settings.seller_name, settings.seller_iban, settings.seller_bic)
            xml = refund_credit_transfer(debtor, transfers, day, message_id=message_id, created_at=now)
            batch: Document = {"_id": batch_id, "message_id": message_id, "execution_date": day.isoformat(),
                               "refund_ids": [d["_id"] for d in due],
                               "total": sum((Decimal(d["amount"]) for d in due), Decimal("0.00")),
                               "xml": xml, "created_by": principal.id, "created_at": now}
            await self.ctx.refund_batches.insert(batch, session)
            for doc in due:
                await self._paid(session, doc, day, principal, {"payment_file_id": batch_id,
                                                                "reference": message_id})
            return batch

        try:
            result: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("refund.concurrent_update", "A refund changed meanwhile; try again.") from exc
        return result

    async def get_payment_file(self, principal: Principal, batch_id: str) -> Document:
        if principal.role not in STAFF:
            raise Forbidden("not_advisor", "Only an advisor or an admin reads refund payment files.")
        doc = await self.ctx.refund_batches.get(batch_id)
        if doc is None:
            raise NotFound("refund_file_not_found", "No such refund payment file.", "file_id")
        return doc
