"""Invoices: draft → (advisor review) → issued → sent → (partially) paid;
cancelled only by a credit note.

Numbering is gapless per year and assigned at issue: the counter's increment,
the number on the invoice and the ``invoicing.invoice.issued.v1`` event are
written in ONE transaction, so a failed issue leaves neither a hole nor a
duplicate, and the unique index on (series, year, sequence) stands guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import InvoiceCredited, InvoiceIssued, InvoiceSent
from invoicing.adapters.mappers import (
    client_from_doc,
    invoice_from_doc,
    invoice_state,
    line_to_doc,
    number_from_doc,
    quote_from_doc,
    quote_state,
    regime_to_doc,
    totals_to_doc,
)
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.contribution import split_payment
from invoicing.domain.invoice import CREDIT_NOTE_PREFIX, OPEN_STATUSES, Invoice, InvoiceNumber, InvoiceStatus
from invoicing.domain.lines import LineInput, check_rates_still_valid
from invoicing.domain.money import HUNDRED, ZERO
from invoicing.service_layer.clients import ClientService, activity_not_found, snapshot
from invoicing.service_layer.context import Context
from invoicing.service_layer.drafting import carried_lines, is_intra_cooperative, lines_for, regime_for
from invoicing.service_layer.errors import Conflict, NotFound
from invoicing.service_layer.quotes import quote_not_found

Document = dict[str, Any]

INVOICE_SERIES = "invoice"
CREDIT_NOTE_SERIES = "credit_note"


def invoice_not_found() -> NotFound:
    return NotFound("invoice_not_found", "No such invoice.", "invoice_id")


def _stale() -> Conflict:
    return Conflict("invoice.concurrent_update", "The invoice changed meanwhile; read it again.")


def is_overdue(doc: Document, today: date) -> bool:
    due = doc.get("due_date")
    return doc.get("status") in {s.value for s in OPEN_STATUSES} and due is not None and due < today.isoformat()


def outstanding(doc: Document) -> Decimal:
    """What the client still owes (a credit note asks for no payment)."""
    if doc.get("kind") != "invoice" or doc.get("status") not in {s.value for s in OPEN_STATUSES} \
            or not doc.get("totals"):
        return ZERO
    return Decimal(doc["totals"]["amount_due"]) - Decimal(doc.get("amount_paid", ZERO))


@dataclass
class InvoiceService:
    ctx: Context
    clients: ClientService

    # -- drafts -----------------------------------------------------------------------

    def _build(self, invoice_id: str, activity_id: str, client: Document, items: Sequence[LineInput],
               exemption_reference: str | None, buyer_reference: str | None, review_required: bool) -> Invoice:
        regime = regime_for(client, exemption_reference)
        lines = lines_for(items, regime, self.ctx.clock.today())
        return Invoice(invoice_id=invoice_id, activity_id=activity_id, client=client_from_doc(client), regime=regime,
                       lines=lines, buyer_reference=buyer_reference, review_required=review_required)

    def _payment_term(self, days: int | None) -> int:
        return self.ctx.settings.default_payment_term_days if days is None else days

    async def create(self, principal: Principal, activity_id: str, client_id: str, items: Sequence[LineInput], *,
                     exemption_reference: str | None = None, buyer_reference: str | None = None,
                     payment_term_days: int | None = None, review_required: bool = False) -> Document:
        today = self.ctx.clock.today()
        activity = await self.ctx.access.require_invoicing_rights(principal, activity_id, activity_not_found(), today)
        client = snapshot(await self.clients.for_document(principal, client_id, activity_id))
        invoice = self._build(str(uuid.uuid4()), activity_id, client, items, exemption_reference, buyer_reference,
                              review_required)
        now = self.ctx.clock.now()
        doc = {"_id": invoice.id, "kind": "invoice", "series": INVOICE_SERIES, "activity_id": activity_id,
               "activity_name": activity.name, "client_id": client_id, "client": client,
               "exemption_reference": exemption_reference, "payment_term_days": self._payment_term(payment_term_days),
               "review": None, **invoice_state(invoice), "created_at": now, "updated_at": now,
               "created_by": principal.id, "version": 1}
        await self.ctx.invoices.insert(doc)
        return doc

    async def from_quote(self, principal: Principal, quote_id: str) -> Document:
        """The accepted quote's exact content as a draft invoice (once per quote)."""
        quote_doc = await self.ctx.quotes.get(quote_id)
        if quote_doc is None:
            raise quote_not_found()
        await self.ctx.access.require_view(principal, quote_doc["activity_id"], quote_not_found())
        today = self.ctx.clock.today()
        activity = await self.ctx.access.require_invoicing_rights(principal, quote_doc["activity_id"],
                                                                  quote_not_found(), today)
        invoice_id = str(uuid.uuid4())

        async def work(session: AsyncClientSession) -> Document:
            current = await self.ctx.quotes.get(quote_id, session)
            if current is None:
                raise quote_not_found()
            quote = quote_from_doc(current)
            invoice = Invoice.from_quote(quote, invoice_id)
            quote.mark_invoiced(invoice_id)
            now = self.ctx.clock.now()
            doc = {"_id": invoice_id, "kind": "invoice", "series": INVOICE_SERIES, "activity_id": quote.activity_id,
                   "activity_name": activity.name, "client_id": current["client_id"], "client": current["client"],
                   "exemption_reference": current.get("exemption_reference"), "quote_id": quote_id,
                   "payment_term_days": self._payment_term(None), "review": None, **invoice_state(invoice),
                   "created_at": now, "updated_at": now, "created_by": principal.id, "version": 1}
            await self.ctx.invoices.insert(doc, session)
            await self.ctx.quotes.update(quote_id, current["version"], {**quote_state(quote), "updated_at": now},
                                         session)
            return doc

        try:
            created: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("quote.concurrent_update", "The quote changed meanwhile; read it again.") from exc
        except DuplicateKeyError as exc:
            raise Conflict("quote.already_invoiced", "This quote already has its invoice.", "quote_id") from exc
        return created

    async def get(self, principal: Principal, invoice_id: str) -> Document:
        doc = await self.ctx.invoices.get(invoice_id)
        if doc is None:
            raise invoice_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], invoice_not_found())
        return doc

    async def list(self, principal: Principal, filters: Document, limit: int,
                   cursor: str | None) -> tuple[list[Document], str | None]:
        query = await self.ctx.access.list_query(principal, filters.get("activity_id"))
        if query is None:
            return [], None
        for field in ("client_id", "status", "kind", "year"):
            if filters.get(field) is not None:
                query[field] = filters[field]
        if filters.get("overdue") is True:
            query["status"] = {"$in": sorted(s.value for s in OPEN_STATUSES)}
            query["due_date"] = {"$lt": self.ctx.clock.today().isoformat()}
        return await self.ctx.invoices.page(query, limit, cursor)

    async def _managed_draft(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.get(principal, invoice_id)
        await self.ctx.access.require_manager(principal, current["activity_id"], invoice_not_found())
        return current

    async def update(self, principal: Principal, invoice_id: str, changes: Document) -> Document:
        current = await self._managed_draft(principal, invoice_id)
        if current["kind"] != "invoice":
            raise Conflict("invoice.not_editable", "A credit note is never edited.", "status")
        invoice = invoice_from_doc(current)
        invoice.set_buyer_reference(invoice.buyer_reference)  # raises invoice.not_editable once not a draft
        client = current["client"]
        if "client_id" in changes and changes["client_id"] != current["client_id"]:
            client = snapshot(await self.clients.for_document(principal, changes["client_id"],
                                                              current["activity_id"]))
        exemption = changes.get("exemption_reference", current.get("exemption_reference"))
        items = carried_lines(changes.get("lines"), invoice.lines, invoice.regime, regime_for(client, exemption))
        rebuilt = self._build(invoice.id, invoice.activity_id, client, items, exemption,
                              changes.get("buyer_reference", invoice.buyer_reference), invoice.review_required)
        update = {**invoice_state(rebuilt), "client_id": client["id"], "client": client,
                  "exemption_reference": exemption, "updated_at": self.ctx.clock.now()}
        if "payment_term_days" in changes:
            update["payment_term_days"] = self._payment_term(changes["payment_term_days"])
        try:
            return await self.ctx.invoices.update(invoice.id, current["version"], update)
        except StaleVersion as exc:
            raise _stale() from exc

    async def delete(self, principal: Principal, invoice_id: str) -> None:
        current = await self._managed_draft(principal, invoice_id)
        if current["kind"] != "invoice" or not invoice_from_doc(current).can_be_deleted:
            raise Conflict("invoice.not_deletable",
                           "Only an unnumbered draft is deleted; an issued invoice is cancelled by a credit note.",
                           "status")
        try:
            await self.ctx.invoices.delete_draft(invoice_id, current["version"])
        except StaleVersion as exc:
            raise _stale() from exc

    # -- review ------------------------------------------------------------------------

    async def _transition(self, invoice_id: str, version: int, update: Document) -> Document:
        try:
            return await self.ctx.invoices.update(invoice_id, version, {**update, "updated_at": self.ctx.clock.now()})
        except StaleVersion as exc:
            raise _stale() from exc

    async def submit_for_review(self, principal: Principal, invoice_id: str) -> Document:
        current = await self._managed_draft(principal, invoice_id)
        invoice = self._invoice(current)
        invoice.submit_for_review()
        invoice.review_required = True  # once asked, the advisor's approval is needed to issue
        review = {"state": "pending", "requested_by": principal.id, "requested_at": self.ctx.clock.now()}
        return await self._transition(invoice_id, current["version"], {**invoice_state(invoice), "review": review})

    async def approve(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.get(principal, invoice_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], invoice_not_found())
        pending = (current.get("review") or {}).get("state") == "pending"
        if current["status"] != InvoiceStatus.IN_REVIEW.value or not pending:
            raise Conflict("invoice.not_in_review", "Only an invoice waiting for review is approved.", "status")
        review = {**current["review"], "state": "approved", "decided_by": principal.id,
                  "decided_at": self.ctx.clock.now()}
        return await self._transition(invoice_id, current["version"], {"review": review})

    async def request_changes(self, principal: Principal, invoice_id: str, message: str) -> Document:
        current = await self.get(principal, invoice_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], invoice_not_found())
        invoice = self._invoice(current)
        invoice.request_changes()
        review = {**(current.get("review") or {}), "state": "changes_requested", "decided_by": principal.id,
                  "decided_at": self.ctx.clock.now(), "message": message}
        return await self._transition(invoice_id, current["version"], {**invoice_state(invoice), "review": review})

    @staticmethod
    def _invoice(doc: Document) -> Invoice:
        if doc["kind"] != "invoice":
            raise Conflict("invoice.is_credit_note", "This is a credit note, not an invoice.", "invoice_id")
        return invoice_from_doc(doc)

    # -- issue, send, credit -----------------------------------------------------------------

    async def issue(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.get(principal, invoice_id)
        today = self.ctx.clock.today()
        activity = await self.ctx.access.require_invoicing_rights(principal, current["activity_id"],
                                                                  invoice_not_found(), today)
        await self.ctx.counters.ensure(INVOICE_SERIES, today.year)
        schedule = self.ctx.settings.contribution_schedule()

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.invoices.get(invoice_id, session)
            if doc is None:
                raise invoice_not_found()
            invoice = self._invoice(doc)
            if invoice.status is InvoiceStatus.IN_REVIEW and (doc.get("review") or {}).get("state") != "approved":
                raise Conflict("invoice.review_pending", "The advisor has not approved this invoice yet.", "status")
            check_rates_still_valid(invoice.lines, invoice.regime, today)
            sequence = await self.ctx.counters.next(INVOICE_SERIES, today.year, session)
            invoice.issue(InvoiceNumber(today.year, sequence), today, payment_term_days=doc["payment_term_days"],
                          contribution_schedule=schedule)
            totals = invoice.totals
            contribution = invoice.contribution
            assert invoice.number is not None and invoice.due_date is not None
            assert invoice.structured_communication is not None and invoice.contribution_rate is not None
            update = {
                **invoice_state(invoice), "number": str(invoice.number), "year": today.year, "sequence": sequence,
                "issue_date": today.isoformat(), "due_date": invoice.due_date.isoformat(),
                "structured_communication": invoice.structured_communication,
                "contribution_rate": invoice.contribution_rate, "contribution": contribution,
                "activity_share": totals.total_excl_vat - contribution, "activity_name": activity.name,
                "owner_id": activity.owner_id, "issued_by": principal.id, "issued_at": self.ctx.clock.now(),
                "updated_at": self.ctx.clock.now(),
            }
            saved = await self.ctx.invoices.update(invoice_id, doc["version"], update, session)
            event = InvoiceIssued(
                invoice_id=invoice_id, number=str(invoice.number), activity_id=invoice.activity_id,
                member_id=activity.owner_id, client_id=doc["client_id"], client_name=invoice.client.name,
                client_email=invoice.client.email, issue_date=today, due_date=invoice.due_date,
                total_excl_vat=totals.total_excl_vat, total_vat=totals.vat_total,
                total_incl_vat=totals.total_incl_vat, contribution_rate=invoice.contribution_rate / HUNDRED,
                contribution=contribution, activity_share=totals.total_excl_vat - contribution,
                intra_cooperative=is_intra_cooperative(doc["client"]),
                structured_communication=invoice.structured_communication)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return saved

        return await self._commit(work)

    async def _commit(self, work: Any) -> Document:
        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise _stale() from exc
        except DuplicateKeyError as exc:  # the unique indexes caught what must never happen
            raise Conflict("invoice.number_conflict", "The number was taken meanwhile; try again.") from exc
        return saved

    async def send(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.get(principal, invoice_id)
        activity = await self.ctx.access.require_manager(principal, current["activity_id"], invoice_not_found())

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.invoices.get(invoice_id, session)
            if doc is None:
                raise invoice_not_found()
            invoice = self._invoice(doc)
            invoice.mark_sent(self.ctx.clock.today())
            saved = await self.ctx.invoices.update(invoice_id, doc["version"], {
                **invoice_state(invoice), "sent_by": principal.id, "updated_at": self.ctx.clock.now()}, session)
            event = InvoiceSent(invoice_id=invoice_id, number=str(invoice.number), activity_id=invoice.activity_id,
                                member_id=activity.owner_id, client_email=invoice.client.email)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return saved

        return await self._commit(work)

    async def credit(self, principal: Principal, invoice_id: str, reason: str) -> Document:
        """Cancel an issued invoice with a full credit note (UBL 381) in its own series."""
        current = await self.get(principal, invoice_id)
        activity = await self.ctx.access.require_admin_or_manager(principal, current["activity_id"],
                                                                  invoice_not_found())
        today = self.ctx.clock.today()
        await self.ctx.counters.ensure(CREDIT_NOTE_SERIES, today.year)
        note_id = str(uuid.uuid4())

        async def work(session: AsyncClientSession) -> Document:
            doc = await self.ctx.invoices.get(invoice_id, session)
            if doc is None:
                raise invoice_not_found()
            invoice = self._invoice(doc)
            if invoice.number is None:
                raise Conflict("invoice.not_issued", "A draft is not credited: edit or delete it.", "status")
            sequence = await self.ctx.counters.next(CREDIT_NOTE_SERIES, today.year, session)
            number = InvoiceNumber(today.year, sequence, CREDIT_NOTE_PREFIX)
            note = invoice.create_credit_note(number, today, reason)
            share_left = self._outstanding_share(doc, invoice)
            invoice.cancel(note)
            now = self.ctx.clock.now()
            note_doc: Document = {
                "_id": note_id, "kind": "credit_note", "series": CREDIT_NOTE_SERIES, "status": "issued",
                "activity_id": invoice.activity_id, "activity_name": doc.get("activity_name", ""),
                "client_id": doc["client_id"], "client": doc["client"], "regime": regime_to_doc(note.regime),
                "lines": [line_to_doc(line) for line in note.lines], "totals": totals_to_doc(note.totals),
                "number": str(number), "number_prefix": CREDIT_NOTE_PREFIX, "year": today.year, "sequence": sequence,
                "issue_date": today.isoformat(), "reason": note.reason, "credited_invoice_id": invoice_id,
                "credited_invoice": {"id": invoice_id, "number": doc["number"], "issue_date": doc["issue_date"],
                                     "structured_communication": doc["structured_communication"]},
                "owner_id": doc.get("owner_id"), "created_at": now, "updated_at": now, "created_by": principal.id,
                "version": 1,
            }
            await self.ctx.invoices.insert(note_doc, session)
            await self.ctx.invoices.update(invoice_id, doc["version"], {
                **invoice_state(invoice), "credit_note": {"id": note_id, "number": str(number)},
                "updated_at": now}, session)
            owner = activity.owner_id if activity else doc.get("owner_id", "")
            event = InvoiceCredited(
                invoice_id=invoice_id, number=doc["number"], credit_note_id=note_id, credit_note_number=str(number),
                activity_id=invoice.activity_id, member_id=owner, total_excl_vat=note.totals.total_excl_vat,
                total_incl_vat=note.totals.total_incl_vat, outstanding_activity_share=share_left)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return note_doc

        return await self._commit(work)

    @staticmethod
    def _outstanding_share(doc: Document, invoice: Invoice) -> Decimal:
        """The activity's share of what the client has not paid yet."""
        share = Decimal(doc.get("activity_share", ZERO))
        if invoice.amount_paid <= 0 or invoice.contribution_rate is None:
            return share
        paid = split_payment(invoice.amount_paid, invoice.totals, contribution_rate=invoice.contribution_rate,
                             already_paid=invoice.totals.prepaid)
        return share - paid.activity_share

    # -- documents -----------------------------------------------------------------------

    async def issued(self, principal: Principal, invoice_id: str) -> Document:
        """An invoice or credit note that has its number (documents exist only then)."""
        doc = await self.get(principal, invoice_id)
        if number_from_doc(doc) is None:
            raise Conflict("invoice.not_issued", "A draft has no legal document yet: issue it first.", "status")
        return doc

