"""Internal transfers: an invoice from one activity of the cooperative to another.

No money comes from a bank: issuing such an invoice (in its own ``INT-``
series, no structured communication, no VAT, no contribution, never
guarantee cover) creates a transfer request. The buying activity's manager
approves it (refused at once while the budget invoicing last heard of is
short) or rejects it (the invoice is cancelled). Payroll then moves the
amount from the buyer's budget to the seller's in one ledger transaction,
or refuses it if the buyer's budget is short when it books
(``payroll.internal_transfer.settled.v1`` / ``.refused.v1``): only then is the
invoice paid. Manual and bank payments are refused on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.auth.principal import Principal, Role
from coop_shared.contracts.invoicing import (
    InternalTransferApproved,
    InternalTransferRejected,
    InternalTransferRequested,
)
from coop_shared.errors import Conflict, Forbidden, NotFound
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.mongo import Document
from coop_shared.service import Runtime
from invoicing.adapters.read_models import ReadModel
from invoicing.adapters.repositories import InternalTransfersRepository, InvoicesRepository, StaleVersion
from invoicing.domain.invoice import InvoiceStatus
from invoicing.service_layer.context import Context

INTERNAL_SERIES = "internal"
INTERNAL_PREFIX = "INT-"
APPROVABLE = frozenset({"pending", "refused"})


def transfer_not_found() -> NotFound:
    return NotFound("internal_transfer_not_found", "No such internal transfer.", "transfer_id")


async def request_transfer(runtime: Runtime, session: AsyncClientSession, transfers: InternalTransfersRepository,
                           invoice: Document, now: datetime, transfer_id: str) -> Envelope:
    """Called in the transaction that issues an internal invoice: the request, and its event."""
    amount = Decimal(invoice["totals"]["amount_due"])
    doc: Document = {
        "_id": transfer_id, "invoice_id": invoice["_id"], "number": invoice["number"],
        "seller_activity_id": invoice["activity_id"], "seller_activity_name": invoice.get("activity_name"),
        "buyer_activity_id": invoice["client"]["cooperative_activity_id"], "amount": amount, "status": "pending",
        "created_at": now, "updated_at": now, "version": 1,
    }
    await transfers.insert(doc, session)
    return runtime.event(InternalTransferRequested(
        transfer_id=transfer_id, invoice_id=invoice["_id"], number=invoice["number"],
        seller_activity_id=doc["seller_activity_id"], buyer_activity_id=doc["buyer_activity_id"], amount=amount),
        subject=transfer_id)


@dataclass
class TransferService:
    ctx: Context

    async def _visible(self, principal: Principal, doc: Document) -> bool:
        return (await self.ctx.access.can_view(principal, doc["seller_activity_id"])
                or await self.ctx.access.can_view(principal, doc["buyer_activity_id"]))

    async def list(self, principal: Principal, filters: Document, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        """Transfers where one of the principal's activities sells or buys."""
        visible = await self.ctx.access.visible_activity_ids(principal)
        return await self.ctx.transfers.page_involving(visible, filters.get("activity_id"), filters.get("status"),
                                                       limit, cursor)

    async def get(self, principal: Principal, transfer_id: str) -> Document:
        doc = await self.ctx.transfers.get(transfer_id)
        if doc is None or not await self._visible(principal, doc):
            raise transfer_not_found()
        return doc

    async def approve(self, principal: Principal, transfer_id: str) -> Document:
        current = await self.get(principal, transfer_id)
        await self._require_buyer(principal, current)
        known = await self.ctx.read_model.budget(current["buyer_activity_id"])
        available = Decimal(0) if known is None else known[0]
        if available < Decimal(current["amount"]):
            raise Conflict("insufficient_budget",
                           f"The buying activity has {available} available; the transfer needs {current['amount']}.",
                           "amount")

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._approvable(transfer_id, session)
            saved = await self.ctx.transfers.update(transfer_id, doc["version"], {
                "status": "approved", "approved_by": principal.id, "approved_at": self.ctx.clock.now(),
                "updated_at": self.ctx.clock.now()}, session)
            event = InternalTransferApproved(
                transfer_id=transfer_id, invoice_id=doc["invoice_id"], number=doc["number"],
                seller_activity_id=doc["seller_activity_id"], buyer_activity_id=doc["buyer_activity_id"],
                amount=doc["amount"], approved_by=principal.id)
            # A new envelope id each approval: a refused transfer approved again is booked again.
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=transfer_id)], session=session)
            return saved

        return await self._commit(work)

    async def reject(self, principal: Principal, transfer_id: str, reason: str) -> Document:
        current = await self.get(principal, transfer_id)
        await self._require_buyer(principal, current)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._approvable(transfer_id, session)
            now = self.ctx.clock.now()
            saved = await self.ctx.transfers.update(transfer_id, doc["version"], {
                "status": "rejected", "rejected_by": principal.id, "reason": reason, "updated_at": now}, session)
            invoice = await self.ctx.invoices.invoice(doc["invoice_id"], session)
            if invoice is not None:
                invoice.reject_transfer()
                await self.ctx.invoices.save(invoice, {"updated_at": now}, session)
            event = InternalTransferRejected(
                transfer_id=transfer_id, invoice_id=doc["invoice_id"], number=doc["number"],
                seller_activity_id=doc["seller_activity_id"], buyer_activity_id=doc["buyer_activity_id"],
                rejected_by=principal.id, reason=reason)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=transfer_id)], session=session)
            return saved

        return await self._commit(work)

    async def _require_buyer(self, principal: Principal, doc: Document) -> None:
        """The buying activity's owner or co-managers decide (the seller sees the transfer, but cannot)."""
        if principal.role is Role.PARTNER:
            raise Forbidden("forbidden", "API keys may read invoicing data, not change it.")
        buyer = await self.ctx.read_model.activity(doc["buyer_activity_id"])
        if buyer is None or not buyer.is_managed_by(principal.id):
            raise Forbidden("not_buyer_manager", "Only the buying activity's owner or co-managers decide.",
                            "transfer_id")

    async def _approvable(self, transfer_id: str, session: AsyncClientSession) -> Document:
        doc = await self.ctx.transfers.get(transfer_id, session)
        if doc is None:
            raise transfer_not_found()
        if doc["status"] not in APPROVABLE:
            raise Conflict("internal_transfer.not_pending", f"This transfer is already {doc['status']}.", "status")
        return doc

    async def _commit(self, work: Any) -> Document:
        try:
            result: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("internal_transfer.concurrent_update", "The transfer changed meanwhile.") from exc
        return result


async def transfer_settled(db: Any, session: AsyncClientSession, data: Document, now: datetime) -> None:
    """Payroll moved the money: the transfer is settled and the internal invoice paid."""
    transfers, invoices = InternalTransfersRepository(db), InvoicesRepository(db)
    doc = await transfers.get(data["transfer_id"], session)
    if doc is None or doc["status"] == "settled":
        return
    await transfers.update(doc["_id"], doc["version"], {"status": "settled", "settled_at": now, "updated_at": now},
                           session)
    invoice = await invoices.invoice(doc["invoice_id"], session)
    if invoice is None or invoice.status is InvoiceStatus.PAID:
        return
    invoice.record_payment(Decimal(data["amount"]))
    await invoices.save(invoice, {"paid_on": now.date().isoformat(), "updated_at": now}, session)


async def transfer_refused(db: Any, session: AsyncClientSession, data: Document, now: datetime) -> None:
    """The buyer's budget was short when payroll booked: back to the buyer's manager, who may approve again."""
    transfers = InternalTransfersRepository(db)
    doc = await transfers.get(data["transfer_id"], session)
    if doc is None or doc["status"] != "approved":
        return
    await transfers.update(doc["_id"], doc["version"], {
        "status": "refused", "refused_available_budget": Decimal(data["available_budget"]), "updated_at": now},
        session)


__all__ = ["INTERNAL_PREFIX", "INTERNAL_SERIES", "ReadModel", "TransferService", "request_transfer",
           "transfer_refused", "transfer_settled"]
