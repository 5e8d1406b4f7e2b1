"""Expense claims: a manager of the activity files a receipt, attaches it,
submits; the member's advisor (or an admin) approves or rejects.

Approval emits ``invoicing.expense.approved.v1``: payroll debits the activity
with the amount minus the input VAT the cooperative recovers. The available
budget is the one payroll announces (``payroll.budget.changed.v1``, read
model); claims waiting for review are counted against it so two claims
submitted together cannot both spend the same money.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import ExpenseApproved, ExpenseRejected, ExpenseSubmitted
from coop_shared.errors import Conflict, NotFound
from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.attachments import check_attachment, safe_filename
from invoicing.domain.expenses import (
    ExpenseStatus,
    Receipt,
    check_budget,
    check_decidable,
    check_editable,
    check_submittable,
)
from invoicing.domain.money import ZERO
from invoicing.service_layer.context import Context


def claim_not_found() -> NotFound:
    return NotFound("expense_claim_not_found", "No such expense claim.", "expense_claim_id")


def _receipt(doc: Document) -> Receipt:
    return Receipt(date.fromisoformat(doc["expense_date"]), doc["supplier"], Decimal(doc["amount_incl_vat"]),
                   Decimal(doc["vat_amount"]), Decimal(doc["vat_deductible_percent"]))


@dataclass
class ExpenseService:
    ctx: Context

    async def _available(self, activity_id: str) -> Decimal:
        budget = await self.ctx.read_model.budget(activity_id)
        return ZERO if budget is None else Decimal(budget[0])  # no posting yet: nothing to spend

    async def create(self, principal: Principal, activity_id: str, receipt: Receipt,
                     description: str | None) -> Document:
        activity = await self.ctx.access.require_manager(
            principal, activity_id, NotFound("activity_not_found", "No such activity.", "activity_id"))
        if not activity.is_open:
            raise Conflict("activity_not_open", f"The activity is {activity.status}.", "activity_id")
        self.ctx.settings.fiscal_calendar().check(receipt.expense_date, self.ctx.clock.today())
        now = self.ctx.clock.now()
        doc: Document = {
            "_id": str(uuid.uuid4()), "activity_id": activity_id, "activity_name": activity.name,
            "owner_id": activity.owner_id, "member_id": principal.id, "status": ExpenseStatus.DRAFT.value,
            "expense_date": receipt.expense_date.isoformat(), "supplier": receipt.supplier,
            "description": description, "amount_incl_vat": receipt.amount_incl_vat, "vat_amount": receipt.vat,
            "vat_deductible_percent": receipt.vat_deductible_percent, "deductible_vat": receipt.deductible_vat,
            "amount_charged": receipt.amount_charged, "attachments": [], "created_at": now, "updated_at": now,
            "version": 1,
        }
        await self.ctx.expense_claims.insert(doc)
        return doc

    async def get(self, principal: Principal, claim_id: str) -> Document:
        doc = await self.ctx.expense_claims.get(claim_id)
        if doc is None:
            raise claim_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], claim_not_found())
        return doc

    async def list(self, principal: Principal, filters: Document, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        scope = await self.ctx.access.list_scope(principal, filters.get("activity_id"))
        if scope is None:
            return [], None
        return await self.ctx.expense_claims.page_of(scope.activity_ids, limit, cursor, status=filters.get("status"))

    async def _managed(self, principal: Principal, claim_id: str) -> Document:
        doc = await self.get(principal, claim_id)
        await self.ctx.access.require_manager(principal, doc["activity_id"], claim_not_found())
        return doc

    async def _commit(self, work: Any) -> Document:
        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("expense.concurrent_update", "The claim changed meanwhile; read it again.") from exc
        return saved

    # -- attachments ----------------------------------------------------------------------------

    async def attach(self, principal: Principal, claim_id: str, filename: str | None, content: bytes) -> Document:
        await self._managed(principal, claim_id)
        media_type = check_attachment(content, self.ctx.settings.expense_attachment_max_bytes)
        now = self.ctx.clock.now()
        meta: Document = {"id": str(uuid.uuid4()), "filename": safe_filename(filename, media_type),
                          "content_type": media_type, "size": len(content),
                          "sha256": hashlib.sha256(content).hexdigest(), "uploaded_at": now,
                          "uploaded_by": principal.id}

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.expense_claims.get(claim_id, session)
            if doc is None:
                raise claim_not_found()
            check_editable(ExpenseStatus(doc["status"]))
            if len(doc["attachments"]) >= self.ctx.settings.expense_attachments_max:
                raise Conflict("attachment.too_many",
                               f"A claim has at most {self.ctx.settings.expense_attachments_max} files.", "file")
            await self.ctx.attachments.insert({"_id": meta["id"], "claim_id": claim_id, "content": content,
                                               **{k: v for k, v in meta.items() if k != "id"}}, session)
            await self.ctx.expense_claims.update(claim_id, doc["version"], {
                "attachments": [*doc["attachments"], meta], "updated_at": now}, session)
            return meta

        return await self._commit(work)

    async def attachment(self, principal: Principal, claim_id: str, attachment_id: str) -> Document:
        await self.get(principal, claim_id)
        doc = await self.ctx.attachments.content(claim_id, attachment_id)
        if doc is None:
            raise NotFound("attachment_not_found", "No such attachment.", "attachment_id")
        return doc

    # -- lifecycle ------------------------------------------------------------------------------

    async def submit(self, principal: Principal, claim_id: str) -> Document:
        await self._managed(principal, claim_id)
        today = self.ctx.clock.today()

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.expense_claims.get(claim_id, session)
            if doc is None:
                raise claim_not_found()
            check_submittable(ExpenseStatus(doc["status"]), len(doc["attachments"]))
            receipt = _receipt(doc)
            self.ctx.settings.fiscal_calendar().check(receipt.expense_date, today)
            waiting = await self.ctx.expense_claims.claimed(doc["activity_id"], ExpenseStatus.SUBMITTED.value,
                                                            excluding=claim_id)
            check_budget(receipt.amount_charged, await self._available(doc["activity_id"]), waiting)
            saved = await self.ctx.expense_claims.update(claim_id, doc["version"], {
                "status": ExpenseStatus.SUBMITTED.value, "submitted_at": self.ctx.clock.now(),
                "submitted_by": principal.id, "updated_at": self.ctx.clock.now()}, session)
            event = ExpenseSubmitted(expense_id=claim_id, activity_id=doc["activity_id"], member_id=doc["member_id"],
                                     amount_incl_vat=receipt.amount_incl_vat)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=claim_id)], session=session)
            return saved

        return await self._commit(work)

    async def _require_reviewer(self, principal: Principal, claim_id: str) -> None:
        current = await self.get(principal, claim_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], claim_not_found())

    async def _decidable(self, claim_id: str, session: AsyncClientSession) -> Document:
        """The claim as stored in this transaction, still waiting for a decision."""
        doc = await self.ctx.expense_claims.get(claim_id, session)
        if doc is None:
            raise claim_not_found()
        check_decidable(ExpenseStatus(doc["status"]))
        return doc

    async def approve(self, principal: Principal, claim_id: str) -> Document:
        await self._require_reviewer(principal, claim_id)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._decidable(claim_id, session)
            receipt = _receipt(doc)
            # The budget may have been spent since submission (a salary): checked again.
            check_budget(receipt.amount_charged, await self._available(doc["activity_id"]))
            now = self.ctx.clock.now()
            saved = await self.ctx.expense_claims.update(claim_id, doc["version"], {
                "status": ExpenseStatus.APPROVED.value, "decided_by": principal.id, "decided_at": now,
                "updated_at": now}, session)
            event = ExpenseApproved(
                expense_id=claim_id, activity_id=doc["activity_id"], member_id=doc["member_id"],
                expense_date=receipt.expense_date, supplier=receipt.supplier, amount_incl_vat=receipt.amount_incl_vat,
                vat=receipt.vat, deductible_vat=receipt.deductible_vat, amount_charged=receipt.amount_charged,
                approved_by=principal.id)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=claim_id)], session=session)
            return saved

        return await self._commit(work)

    async def request_changes(self, principal: Principal, claim_id: str, message: str) -> Document:
        """Back to the member as a draft (a receipt to replace, an amount to correct), with the advisor's words."""
        await self._require_reviewer(principal, claim_id)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._decidable(claim_id, session)
            saved: Document = await self.ctx.expense_claims.update(claim_id, doc["version"], {
                "status": ExpenseStatus.DRAFT.value, "review_message": message, "review_message_by": principal.id,
                "updated_at": self.ctx.clock.now()}, session)
            return saved

        return await self._commit(work)

    async def reject(self, principal: Principal, claim_id: str, reason: str) -> Document:
        await self._require_reviewer(principal, claim_id)

        async def work(session: AsyncClientSession) -> Document:
            doc = await self._decidable(claim_id, session)
            now = self.ctx.clock.now()
            saved = await self.ctx.expense_claims.update(claim_id, doc["version"], {
                "status": ExpenseStatus.REJECTED.value, "decided_by": principal.id, "decided_at": now,
                "reason": reason, "updated_at": now}, session)
            event = ExpenseRejected(expense_id=claim_id, activity_id=doc["activity_id"], member_id=doc["member_id"],
                                    reason=reason)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=claim_id)], session=session)
            return saved

        return await self._commit(work)
