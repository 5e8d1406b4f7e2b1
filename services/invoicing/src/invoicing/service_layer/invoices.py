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
from functools import partial
from typing import Any, Literal

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import (
    DocumentSendRequested,
    InvoiceCredited,
    InvoiceIssued,
    InvoiceReviewed,
    InvoiceSent,
)
from coop_shared.errors import Conflict, NotFound
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import ClientCopy, InvoiceFilters, StaleVersion
from invoicing.domain.access import ActivityRecord
from invoicing.domain.contribution import PaymentSplit
from invoicing.domain.invoice import (
    CREDIT_NOTE_PREFIX,
    CreditApplication,
    CreditLine,
    CreditNote,
    Invoice,
    InvoiceNumber,
    InvoiceStatus,
)
from invoicing.domain.lines import LineInput, check_rates_still_valid
from invoicing.domain.money import HUNDRED, ZERO
from invoicing.domain.vat import SupplyType
from invoicing.service_layer.clients import ClientService, activity_not_found
from invoicing.service_layer.context import Context
from invoicing.service_layer.drafting import (
    SUPPLY_FIELDS,
    carried_lines,
    check_line_days,
    document_supply_day,
    is_intra_cooperative,
    lines_for,
    regime_for,
    supply_fields,
)
from invoicing.service_layer.issued_files import IssuedFiles
from invoicing.service_layer.numbering import Stage, Write, Written
from invoicing.service_layer.peppol import record_transmission
from invoicing.service_layer.quotes import quote_not_found
from invoicing.service_layer.sendings import Sendings, file_refs, new_sending_id
from invoicing.service_layer.transfers import INTERNAL_PREFIX, INTERNAL_SERIES, request_transfer

log = get_logger("invoices")

INVOICE_SERIES = "invoice"
CREDIT_NOTE_SERIES = "credit_note"


def invoice_not_found() -> NotFound:
    return NotFound("invoice_not_found", "No such invoice.", "invoice_id")


def _stale() -> Conflict:
    return Conflict("invoice.concurrent_update", "The invoice changed meanwhile; read it again.")


def _refund_ref(refund: Document) -> Document:
    return {"id": refund["_id"], "amount": refund["amount"], "status": refund["status"],
            "credit_note_id": refund["credit_note_id"]}


@dataclass
class InvoiceService:
    ctx: Context
    clients: ClientService

    # -- drafts -----------------------------------------------------------------------

    def _build(self, invoice_id: str, activity_id: str, client: ClientCopy, items: Sequence[LineInput],
               exemption_reference: str | None, buyer_reference: str | None, review_required: bool,
               supply: Document | None = None) -> Invoice:
        supply = supply or {}
        regime = regime_for(client, exemption_reference, SupplyType(supply.get("supply_type") or "services"))
        lines = lines_for(items, regime, document_supply_day(supply) or self.ctx.clock.today(),
                          self.ctx.settings.vat_rate_table())
        check_line_days(lines, supply)
        return Invoice(invoice_id=invoice_id, activity_id=activity_id, client=client.client, regime=regime,
                       lines=lines, buyer_reference=buyer_reference, review_required=review_required)

    def _payment_term(self, days: int | None) -> int:
        return self.ctx.settings.default_payment_term_days if days is None else days

    async def create(self, principal: Principal, activity_id: str, client_id: str, items: Sequence[LineInput], *,
                     exemption_reference: str | None = None, buyer_reference: str | None = None,
                     payment_term_days: int | None = None, review_required: bool = False,
                     supply: Document | None = None) -> Document:
        today = self.ctx.clock.today()
        activity = await self.ctx.access.require_invoicing_rights(principal, activity_id, activity_not_found(), today)
        client = await self.clients.for_document(principal, client_id, activity_id)
        supply = supply_fields(supply or {})
        invoice = self._build(str(uuid.uuid4()), activity_id, client, items, exemption_reference, buyer_reference,
                              review_required, supply)
        now = self.ctx.clock.now()
        return await self.ctx.invoices.add(invoice, {
            "kind": "invoice", "series": INVOICE_SERIES, "activity_name": activity.name, "client_id": client_id,
            "client": client.snapshot, "exemption_reference": exemption_reference,
            "payment_term_days": self._payment_term(payment_term_days), "review": None, **supply, "created_at": now,
            "updated_at": now, "created_by": principal.id})

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
            found = await self.ctx.quotes.with_document(quote_id, session)
            if found is None:
                raise quote_not_found()
            quote, current = found
            invoice = Invoice.from_quote(quote, invoice_id)
            quote.mark_invoiced(invoice_id)
            now = self.ctx.clock.now()
            doc = await self.ctx.invoices.add(invoice, {
                "kind": "invoice", "series": INVOICE_SERIES, "activity_name": activity.name,
                "client_id": current["client_id"], "client": current["client"],
                "exemption_reference": current.get("exemption_reference"),
                "payment_term_days": self._payment_term(None), "review": None, "created_at": now, "updated_at": now,
                "created_by": principal.id}, session)
            await self.ctx.quotes.save(quote, {"updated_at": now}, session)
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
        scope = await self.ctx.access.list_scope(principal, filters.get("activity_id"))
        if scope is None:
            return [], None
        narrowed = InvoiceFilters(
            activity_ids=scope.activity_ids, client_id=filters.get("client_id"), status=filters.get("status"),
            kind=filters.get("kind"), year=filters.get("year"), number=filters.get("number"),
            overdue_on=self.ctx.clock.today() if filters.get("overdue") is True else None,
            updated_since=filters.get("updated_since"))
        return await self.ctx.invoices.page_of(narrowed, limit, cursor)

    async def _found(self, invoice_id: str) -> tuple[Invoice | CreditNote, Document]:
        found = await self.ctx.invoices.with_document(invoice_id)
        if found is None:
            raise invoice_not_found()
        return found

    async def _visible(self, principal: Principal, invoice_id: str) -> tuple[Invoice | CreditNote, Document]:
        """The invoice or credit note and its document, if the principal sees it."""
        found = await self._found(invoice_id)
        await self.ctx.access.require_view(principal, found[1]["activity_id"], invoice_not_found())
        return found

    async def _managed_draft(self, principal: Principal, invoice_id: str) -> tuple[Invoice | CreditNote, Document]:
        # require_manager answers "not found" to whoever may not see the activity, so no view check first
        # (it would read the activity a second time).
        found = await self._found(invoice_id)
        await self.ctx.access.require_manager(principal, found[1]["activity_id"], invoice_not_found())
        return found

    async def update(self, principal: Principal, invoice_id: str, changes: Document) -> Document:
        invoice, current = await self._managed_draft(principal, invoice_id)
        if not isinstance(invoice, Invoice):
            raise Conflict("invoice.not_editable", "A credit note is never edited.", "status")
        invoice.set_buyer_reference(invoice.buyer_reference)  # raises invoice.not_editable once not a draft
        client = ClientCopy(invoice.client, current["client"])
        if "client_id" in changes and changes["client_id"] != current["client_id"]:
            client = await self.clients.for_document(principal, changes["client_id"], current["activity_id"])
        exemption = changes.get("exemption_reference", current.get("exemption_reference"))
        supply = supply_fields({name: changes.get(name, current.get(name)) for name in SUPPLY_FIELDS})
        regime = regime_for(client, exemption, SupplyType(supply["supply_type"]))
        items = carried_lines(changes.get("lines"), invoice.lines, invoice.regime, regime)
        rebuilt = self._build(invoice.id, invoice.activity_id, client, items, exemption,
                              changes.get("buyer_reference", invoice.buyer_reference), invoice.review_required,
                              supply)
        rebuilt.version = invoice.version  # the edit replaces the draft as it was read
        fields = {**supply, "client_id": client.id, "client": client.snapshot, "exemption_reference": exemption,
                  "updated_at": self.ctx.clock.now()}
        if "payment_term_days" in changes:
            fields["payment_term_days"] = self._payment_term(changes["payment_term_days"])
        try:
            return await self.ctx.invoices.save(rebuilt, fields)
        except StaleVersion as exc:
            raise _stale() from exc

    async def delete(self, principal: Principal, invoice_id: str) -> None:
        invoice, _ = await self._managed_draft(principal, invoice_id)
        if not isinstance(invoice, Invoice) or not invoice.can_be_deleted:
            raise Conflict("invoice.not_deletable",
                           "Only an unnumbered draft is deleted; an issued invoice is cancelled by a credit note.",
                           "status")
        try:
            await self.ctx.invoices.delete_draft(invoice_id, invoice.version)
        except StaleVersion as exc:
            raise _stale() from exc

    # -- review ------------------------------------------------------------------------

    async def _transition(self, invoice_id: str, version: int, update: Document) -> Document:
        try:
            return await self.ctx.invoices.update(invoice_id, version, {**update, "updated_at": self.ctx.clock.now()})
        except StaleVersion as exc:
            raise _stale() from exc

    async def submit_for_review(self, principal: Principal, invoice_id: str) -> Document:
        found, _ = await self._managed_draft(principal, invoice_id)
        invoice = self._invoice(found)
        invoice.submit_for_review()
        invoice.review_required = True  # once asked, the advisor's approval is needed to issue
        review = {"state": "pending", "requested_by": principal.id, "requested_at": self.ctx.clock.now()}
        try:
            return await self.ctx.invoices.save(invoice, {"review": review, "updated_at": self.ctx.clock.now()})
        except StaleVersion as exc:
            raise _stale() from exc

    async def approve(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.get(principal, invoice_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], invoice_not_found())
        pending = (current.get("review") or {}).get("state") == "pending"
        if current["status"] != InvoiceStatus.IN_REVIEW.value or not pending:
            raise Conflict("invoice.not_in_review", "Only an invoice waiting for review is approved.", "status")
        review = {**current["review"], "state": "approved", "decided_by": principal.id,
                  "decided_at": self.ctx.clock.now()}
        return await self._decided(current, None, review, "approved", "")

    async def request_changes(self, principal: Principal, invoice_id: str, message: str) -> Document:
        found, current = await self._visible(principal, invoice_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], invoice_not_found())
        invoice = self._invoice(found)
        invoice.request_changes()
        review = {**(current.get("review") or {}), "state": "changes_requested", "decided_by": principal.id,
                  "decided_at": self.ctx.clock.now(), "message": message}
        return await self._decided(current, invoice, review, "changes_requested", message)

    async def reject(self, principal: Principal, invoice_id: str, reason: str) -> Document:
        found, current = await self._visible(principal, invoice_id)
        await self.ctx.access.require_reviewer(principal, current["activity_id"], invoice_not_found())
        invoice = self._invoice(found)
        invoice.reject()
        review = {**(current.get("review") or {}), "state": "rejected", "decided_by": principal.id,
                  "decided_at": self.ctx.clock.now(), "message": reason}
        return await self._decided(current, invoice, review, "rejected", reason)

    async def _decided(self, current: Document, invoice: Invoice | None, review: Document,
                       decision: Literal["approved", "changes_requested", "rejected"], message: str) -> Document:
        """Save a review decision (and the invoice it moved, if any) and tell the member, in one transaction."""
        invoice_id = current["_id"]
        event = InvoiceReviewed(
            invoice_id=invoice_id, activity_id=current["activity_id"],
            member_id=review.get("requested_by") or current.get("created_by") or "",
            client_name=current["client"]["name"], decision=decision, message=message,
            decided_by=review["decided_by"], decided_at=review["decided_at"])

        async def work(session: AsyncClientSession) -> Document:
            fields = {"review": review, "updated_at": self.ctx.clock.now()}
            if invoice is None:
                saved = await self.ctx.invoices.update(invoice_id, current["version"], fields, session)
            else:
                saved = await self.ctx.invoices.save(invoice, fields, session)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return saved

        return await self._commit(work)

    @staticmethod
    def _invoice(document: Invoice | CreditNote) -> Invoice:
        if not isinstance(document, Invoice):
            raise Conflict("invoice.is_credit_note", "This is a credit note, not an invoice.", "invoice_id")
        return document

    # -- issue, send, credit -----------------------------------------------------------------

    async def issue(self, principal: Principal, invoice_id: str) -> Document:
        current = await self.ctx.invoices.get(invoice_id)
        if current is None:
            raise invoice_not_found()
        today = self.ctx.clock.today()
        # Answers "not found" to whoever may not see the activity, as a view check would.
        activity = await self.ctx.access.require_invoicing_rights(principal, current["activity_id"],
                                                                  invoice_not_found(), today)
        # Money between two activities is no sale: its own series, no structured communication.
        internal = is_intra_cooperative(current["client"])
        series, prefix = (INTERNAL_SERIES, INTERNAL_PREFIX) if internal else (INVOICE_SERIES, "")
        schedule = self.ctx.settings.contribution_schedule()
        transfer_id = str(uuid.uuid4())

        async def stage(session: AsyncClientSession, sequence: int) -> Write:
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if found is None:
                raise invoice_not_found()
            invoice, doc = self._invoice(found[0]), found[1]
            if invoice.status is InvoiceStatus.IN_REVIEW and (doc.get("review") or {}).get("state") != "approved":
                raise Conflict("invoice.review_pending", "The advisor has not approved this invoice yet.", "status")
            # Each line at the rate of its day of supply: its own, the invoice's, else the issue date.
            check_rates_still_valid(invoice.lines, invoice.regime, document_supply_day(doc) or today,
                                    self.ctx.settings.vat_rate_table())
            invoice.issue(InvoiceNumber(today.year, sequence, prefix), today,
                          payment_term_days=doc["payment_term_days"], contribution_schedule=schedule)
            if internal:
                invoice.structured_communication = None

            async def write(session: AsyncClientSession) -> Written:
                totals = invoice.totals
                contribution = invoice.contribution
                assert invoice.number is not None and invoice.due_date is not None
                assert invoice.contribution_rate is not None
                fields: Document = {
                    "series": series, "contribution": contribution,
                    "activity_share": totals.total_excl_vat - contribution, "activity_name": activity.name,
                    "owner_id": activity.owner_id, "issued_by": principal.id,
                    "issued_at": self.ctx.clock.now(), "updated_at": self.ctx.clock.now(),
                }
                if internal:
                    fields["internal_transfer"] = {"id": transfer_id}
                saved = await self.ctx.invoices.save_issued(invoice, fields, session)
                events = []
                if internal:
                    events.append(await request_transfer(self.ctx.runtime, session, self.ctx.transfers, saved,
                                                         self.ctx.clock.now(), transfer_id))
                event = InvoiceIssued(
                    invoice_id=invoice_id, number=str(invoice.number), activity_id=invoice.activity_id,
                    member_id=activity.owner_id, client_id=doc["client_id"], client_name=invoice.client.name,
                    client_email=invoice.client.email, issue_date=today, due_date=invoice.due_date,
                    total_excl_vat=totals.total_excl_vat, total_vat=totals.vat_total,
                    total_incl_vat=totals.total_incl_vat, contribution_rate=invoice.contribution_rate / HUNDRED,
                    contribution=contribution, activity_share=totals.total_excl_vat - contribution,
                    intra_cooperative=is_intra_cooperative(doc["client"]),
                    structured_communication=invoice.structured_communication)
                events.insert(0, self.ctx.runtime.event(event, subject=invoice_id))
                return saved, events

            return write

        issued = await self._numbered(series, today.year, stage)
        return await self._render_files(issued)

    async def _render_files(self, doc: Document) -> Document:
        """The legal document's files, rendered once now that its number is given."""
        try:
            await IssuedFiles(self.ctx).issued(doc)
        except Exception:  # the issue stands; the first download renders them instead
            log.exception("issued_files_not_rendered", invoice_id=doc["_id"])
        return doc

    async def _numbered(self, series: str, year: int, stage: Stage) -> Document:
        try:
            return await self.ctx.numbering.issue(series, year, stage)
        except StaleVersion as exc:
            raise _stale() from exc
        except DuplicateKeyError as exc:  # the unique indexes caught what must never happen
            raise Conflict("invoice.number_conflict", "The number was taken meanwhile; try again.") from exc

    async def _commit(self, work: Any) -> Document:
        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise _stale() from exc
        return saved

    async def send(self, principal: Principal, invoice_id: str) -> tuple[Document, Document]:
        """E-mail the issued invoice or credit note (its stored PDF and UBL) to
        the client; the first sending moves an invoice to ``sent``. Returns the
        document and the new sending."""
        document, current = await self._found(invoice_id)
        # Answers "not found" to whoever may not see the activity, as a view check would.
        activity = await self.ctx.access.require_manager(principal, current["activity_id"], invoice_not_found())
        if document.number is None:
            raise Conflict("invoice.not_issued", "A draft is not sent: issue it first.", "status")
        if current["status"] in (InvoiceStatus.CANCELLED.value, InvoiceStatus.WRITTEN_OFF.value):
            raise Conflict("invoice.not_sendable", f"A {current['status']} invoice is not sent again.", "status")
        issued_files = IssuedFiles(self.ctx)
        files = await issued_files.issued(current)
        # Also through Peppol when the cooperative has an access point and the buyer a Peppol id.
        receiver = issued_files.peppol_receiver(current) if self.ctx.access_point is not None else None
        # The client's address as it is now: a mistyped address is fixed on the client, then sent again.
        client_now = await self.ctx.clients.get(current["client_id"])
        client = current["client"]
        email = (client_now or {}).get("email") or client.get("email")
        sendings = Sendings(self.ctx)
        is_invoice = current["kind"] == "invoice"
        token, link = sendings.new_invoice_link() if is_invoice else (None, None)

        async def work(session: AsyncClientSession) -> tuple[Document, Document]:
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if found is None:
                raise invoice_not_found()
            doc = found[1]
            events = []
            update: Document = {"updated_at": self.ctx.clock.now(), "last_sent_by": principal.id}
            sent_now: Invoice | None = None
            if is_invoice:
                invoice = self._invoice(found[0])
                update["client_link"] = link
                if invoice.status is InvoiceStatus.ISSUED:
                    invoice.mark_sent(self.ctx.clock.today())
                    sent_now = invoice
                    update["sent_by"] = principal.id
                    events.append(InvoiceSent(invoice_id=invoice_id, number=str(invoice.number),
                                              activity_id=invoice.activity_id, member_id=activity.owner_id,
                                              client_email=email))
            if sent_now is not None:
                saved = await self.ctx.invoices.save(sent_now, update, session)
            else:
                saved = await self.ctx.invoices.update(invoice_id, doc["version"], update, session)
            if events:
                await self.ctx.runtime.outbox.add([self.ctx.runtime.event(e, subject=invoice_id) for e in events],
                                                  session=session)
            request = DocumentSendRequested(
                sending_id=new_sending_id(), document_kind="invoice" if is_invoice else "credit_note",
                document_id=invoice_id, number=doc["number"], activity_id=doc["activity_id"],
                activity_name=doc.get("activity_name") or activity.name, member_id=activity.owner_id,
                client_name=client["name"], client_email=email, client_language=client.get("language", "fr"),
                amount=Decimal(doc["totals"]["total_incl_vat"]),
                due_date=date.fromisoformat(doc["due_date"]) if doc.get("due_date") else None,
                structured_communication=doc.get("structured_communication") if is_invoice else None,
                client_link=sendings.public_url(f"/client/invoices/{token}") if token else None,
                member_path=f"/app/invoices/{invoice_id}", files=file_refs(files))
            sending = await sendings.record(request, invoice_id, principal.id, session)
            if receiver is not None:
                await record_transmission(self.ctx.peppol_transmissions, saved, receiver, self.ctx.clock.now(), session)
            return saved, sending

        try:
            result: tuple[Document, Document] = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise _stale() from exc
        return result

    async def renew_client_link(self, principal: Principal, invoice_id: str) -> tuple[Document, str]:
        """A new client link for an issued invoice; the previous one stops working."""
        invoice = await self._managed_issued_invoice(principal, invoice_id)
        token, link = Sendings(self.ctx).new_invoice_link()
        return await self._transition(invoice_id, invoice.version, {"client_link": link}), token

    async def revoke_client_link(self, principal: Principal, invoice_id: str) -> Document:
        invoice = await self._managed_issued_invoice(principal, invoice_id)
        try:
            return await self.ctx.invoices.update(invoice_id, invoice.version,
                                                  {"updated_at": self.ctx.clock.now()}, unset=("client_link",))
        except StaleVersion as exc:
            raise _stale() from exc

    async def _managed_issued_invoice(self, principal: Principal, invoice_id: str) -> Invoice:
        document, _ = await self._managed_draft(principal, invoice_id)
        if not isinstance(document, Invoice) or document.number is None:
            raise Conflict("invoice.not_issued", "Only an issued invoice has a client link.", "status")
        return document

    async def credit(self, principal: Principal, invoice_id: str, reason: str, *,
                     lines: Sequence[CreditLine] | None = None, amount_excl_vat: Decimal | None = None) -> Document:
        """Credit an issued invoice, in full or in part, with a credit note (UBL 381) in its own series.

        The note first cancels what the client still owes; what it credits
        beyond that was already paid and becomes a refund owed to the client,
        in the same transaction (``refunds``), with the exact parts that money
        booked so payroll reverses them.
        """
        current = await self.get(principal, invoice_id)
        activity = await self.ctx.access.require_admin_or_manager(principal, current["activity_id"],
                                                                  invoice_not_found())
        if current.get("internal_transfer"):
            raise Conflict("invoice.internal_transfer",
                           "An internal transfer is not credited: the buying activity rejects it.", "invoice_id")
        today = self.ctx.clock.today()
        note_id = str(uuid.uuid4())

        async def stage(session: AsyncClientSession, sequence: int) -> Write:
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if found is None:
                raise invoice_not_found()
            invoice, doc = self._invoice(found[0]), found[1]
            if invoice.number is None:
                raise Conflict("invoice.not_issued", "A draft is not credited: edit or delete it.", "status")
            number = InvoiceNumber(today.year, sequence, CREDIT_NOTE_PREFIX)
            note = invoice.create_credit_note(number, today, reason, lines=lines, amount_excl_vat=amount_excl_vat)
            applied = invoice.apply_credit_note(note)
            return partial(self._write_credit_note, principal, activity, doc, invoice, note, applied, note_id)

        issued = await self._numbered(CREDIT_NOTE_SERIES, today.year, stage)
        return await self._render_files(issued)

    async def _write_credit_note(self, principal: Principal, activity: ActivityRecord | None, doc: Document,
                                 invoice: Invoice, note: CreditNote, applied: CreditApplication, note_id: str,
                                 session: AsyncClientSession) -> Written:
        """Store a numbered credit note, the invoice it moved and the refund it owes, with their event."""
        invoice_id = invoice.id
        number = note.number
        now = self.ctx.clock.now()
        owner = activity.owner_id if activity else doc.get("owner_id", "")
        earlier = list(doc.get("credit_notes") or ([doc["credit_note"]] if doc.get("credit_note") else []))
        refund = applied.refund
        refund_doc: Document | None = None
        if refund is not None:
            refund_doc = await self._refund_owed(session, doc, note_id, str(number), refund.amount, owner, now)
        note_fields: Document = {
            "kind": "credit_note", "series": CREDIT_NOTE_SERIES, "status": "issued",
            "activity_id": invoice.activity_id, "activity_name": doc.get("activity_name", ""),
            "client_id": doc["client_id"], "client": doc["client"], "credited_invoice_id": invoice_id,
            "credit_index": len(earlier), "full": applied.full,
            "credited_invoice": {"id": invoice_id, "number": doc["number"], "issue_date": doc["issue_date"],
                                 "structured_communication": doc["structured_communication"]},
            "owner_id": doc.get("owner_id"), "created_at": now, "updated_at": now, "created_by": principal.id,
        }
        if refund_doc is not None:
            note_fields["refunds"] = [_refund_ref(refund_doc)]
        note_doc = await self.ctx.invoices.add_credit_note(note_id, note, note_fields, session)
        ref = {"id": note_id, "number": str(number)}
        update: Document = {"credit_notes": [*earlier, ref], "updated_at": now}
        if applied.full:
            update["credit_note"] = ref
        if refund_doc is not None:
            update["refunds"] = [*(doc.get("refunds") or []), _refund_ref(refund_doc)]
        await self.ctx.invoices.save(invoice, update, session)
        parts = refund or PaymentSplit(ZERO, ZERO, ZERO, ZERO)
        event = InvoiceCredited(
            invoice_id=invoice_id, number=doc["number"], credit_note_id=note_id, credit_note_number=str(number),
            activity_id=invoice.activity_id, member_id=owner, total_excl_vat=note.totals.total_excl_vat,
            total_incl_vat=note.totals.total_incl_vat, total_vat=note.totals.vat_total, full=applied.full,
            outstanding_activity_share=applied.unpaid_activity_share, unpaid_vat=applied.unpaid_vat,
            refund_id=None if refund_doc is None else refund_doc["_id"], refund_incl_vat=parts.amount,
            refund_excl_vat=parts.excl_vat, refund_vat=parts.vat, refund_contribution=parts.contribution,
            refund_activity_share=parts.activity_share)
        return note_doc, [self.ctx.runtime.event(event, subject=invoice_id)]

    async def _refund_owed(self, session: AsyncClientSession, doc: Document, note_id: str, note_number: str,
                           amount: Decimal, owner: str, now: Any) -> Document:
        """Money the client paid and the credit note gives back: owed until an advisor marks it paid."""
        iban = await self.ctx.payments.latest_debtor_iban(doc["_id"], session)
        refund: Document = {
            "_id": str(uuid.uuid4()), "credit_note_id": note_id, "credit_note_number": note_number,
            "invoice_id": doc["_id"], "invoice_number": doc["number"], "activity_id": doc["activity_id"],
            "owner_id": owner, "client_id": doc["client_id"], "client_name": doc["client"]["name"],
            "client_iban": iban, "amount": amount, "currency": "EUR", "status": "due", "created_at": now,
            "updated_at": now, "version": 1,
        }
        await self.ctx.refunds.insert(refund, session)
        return refund

    # -- documents -----------------------------------------------------------------------

    async def issued(self, principal: Principal, invoice_id: str) -> Document:
        """An invoice or credit note that has its number (documents exist only then)."""
        document, doc = await self._visible(principal, invoice_id)
        if document.number is None:
            raise Conflict("invoice.not_issued", "A draft has no legal document yet: issue it first.", "status")
        return doc

