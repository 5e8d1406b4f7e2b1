"""Overdue invoices: marking them, reminding the client, writing them off.

The job is safe to run any number of times, in any number of replicas at
once: each step (invoice, level) is a document under a unique index, written
in the transaction that records it on the invoice and adds its event to the
outbox. Of two concurrent runs, one commits; the other meets the key (or a
write conflict, retried, then the key) and does nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from coop_shared.auth.principal import Principal
from coop_shared.contracts.invoicing import (
    DocumentFile,
    DocumentSendRequested,
    InvoiceOverdue,
    InvoiceWrittenOff,
    ReminderSent,
)
from coop_shared.errors import Conflict, NotFound
from coop_shared.observability.logging import get_logger
from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import StaleVersion
from invoicing.domain.invoice import OPEN_STATUSES, Invoice
from invoicing.domain.reminders import ORDER, ReminderLevel
from invoicing.service_layer.context import Context
from invoicing.service_layer.issued_files import PDF_TYPE, IssuedFiles, reminder_name
from invoicing.service_layer.sendings import INTERNAL_FILES, Sendings, new_sending_id

log = get_logger("invoicing.reminders")


def _invoice_not_found() -> NotFound:
    return NotFound("invoice_not_found", "No such invoice.", "invoice_id")


@dataclass
class ReminderService:
    ctx: Context

    async def run(self, today: date | None = None) -> dict[str, Any]:
        """Take every step due on ``today`` (the service's clock by default)."""
        today = today or self.ctx.clock.today()
        policy = self.ctx.settings.reminder_policy()
        candidates = await self.ctx.invoices.awaiting_reminders(today)
        counts = {level.value: 0 for level in ORDER}
        for doc in candidates:
            due = date.fromisoformat(doc["due_date"])
            for level in policy.levels_due(due, today, done=(doc.get("reminders") or {}).keys()):
                if await self._take(doc["_id"], level, today):
                    counts[level.value] += 1
        return {"today": today, **counts}

    async def _take(self, invoice_id: str, level: ReminderLevel, today: date) -> bool:
        policy = self.ctx.settings.reminder_policy()
        sendings = Sendings(self.ctx)
        letters: list[Document] = []

        async def work(session: AsyncClientSession) -> bool:
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if found is None or not isinstance(found[0], Invoice):
                return False
            invoice, doc = found[0], found[1]
            done = (doc.get("reminders") or {}).keys()
            if invoice.due_date is None or level not in policy.levels_due(invoice.due_date, today, done):
                return False  # paid, credited or taken by a concurrent run meanwhile
            outstanding = invoice.outstanding
            member_id = str(doc.get("owner_id") or "")
            now = self.ctx.clock.now()
            reminder: Document = {
                "_id": str(uuid.uuid4()), "invoice_id": invoice_id, "level": level.value,
                "sent_on": today.isoformat(), "due_date": doc["due_date"], "number": doc["number"],
                "activity_id": doc["activity_id"], "outstanding": outstanding, "created_at": now,
            }
            changes: Document = {f"reminders.{level.value}": today.isoformat(), "updated_at": now}
            if level is ReminderLevel.OVERDUE:
                changes["overdue_since"] = today.isoformat()
                event: Any = InvoiceOverdue(invoice_id=invoice_id, number=doc["number"],
                                            activity_id=doc["activity_id"], member_id=member_id,
                                            due_date=invoice.due_date, outstanding_incl_vat=outstanding)
            else:
                reminder["payment_deadline"] = policy.deadline(today).isoformat()
                changes["reminder_level"] = level.value
                event = ReminderSent(invoice_id=invoice_id, number=doc["number"], activity_id=doc["activity_id"],
                                     member_id=member_id, level=level.value, client_email=invoice.client.email,
                                     outstanding_incl_vat=outstanding)
                # The letter goes to the client with its PDF, and a fresh link to the invoice's page.
                token, changes["client_link"] = sendings.new_invoice_link()
                name = reminder_name(level.value)
                letter = DocumentSendRequested(
                    sending_id=new_sending_id(), document_kind="reminder", document_id=invoice_id,
                    number=doc["number"], activity_id=doc["activity_id"],
                    activity_name=doc.get("activity_name") or "", member_id=member_id,
                    client_name=invoice.client.name, client_email=invoice.client.email,
                    client_language=doc["client"].get("language", "fr"), amount=outstanding,
                    due_date=date.fromisoformat(reminder["payment_deadline"]),
                    structured_communication=doc.get("structured_communication"), level=level.value,
                    client_link=sendings.public_url(f"/client/invoices/{token}"),
                    member_path=f"/app/invoices/{invoice_id}",
                    files=[DocumentFile(filename=f"{doc['number']}-{level.value}.pdf", content_type=PDF_TYPE,
                                        path=f"{INTERNAL_FILES}/{invoice_id}/{name}")])
                await sendings.record(letter, invoice_id, "reminder-job", session)
                letters.append(reminder)
            await self.ctx.reminders.insert(reminder, session)
            await self.ctx.invoices.record_reminder(invoice_id, changes, session)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return True

        try:
            taken: bool = await self.ctx.runtime.commit(work)
        except DuplicateKeyError as exc:
            if "reminders_once" in str(exc) or "invoice_id" in str(exc):
                return False  # another run took this step
            raise
        if taken and letters:
            await self._render_letter(invoice_id, letters[-1])
        return taken

    async def _render_letter(self, invoice_id: str, reminder: Document) -> None:
        """The letter's PDF, stored once now that it is sent (it is fetched to be e-mailed)."""
        doc = await self.ctx.invoices.get(invoice_id)
        if doc is None:
            return
        try:
            await IssuedFiles(self.ctx).reminder(doc, reminder)
        except Exception:  # the e-mail waits and retries; the next download renders it
            log.exception("reminder_letter_not_rendered", invoice_id=invoice_id)

    async def reminder(self, principal: Principal, invoice_id: str, level: ReminderLevel) -> tuple[Document, Document]:
        """An invoice the caller sees and one of its reminder letters."""
        doc = await self.ctx.invoices.get(invoice_id)
        if doc is None:
            raise _invoice_not_found()
        await self.ctx.access.require_view(principal, doc["activity_id"], _invoice_not_found())
        reminder = await self.ctx.reminders.of_invoice(invoice_id, level.value)
        if reminder is None or level is ReminderLevel.OVERDUE:
            raise NotFound("reminder_not_found", f"No {level.value} was sent for this invoice.", "level")
        return doc, reminder

    async def write_off(self, principal: Principal, invoice_id: str, reason: str) -> Document:
        """Uncollectable: after the formal notice, an advisor of the member (or an admin) closes it."""
        current = await self.ctx.invoices.get(invoice_id)
        if current is None or current.get("kind") != "invoice":
            raise _invoice_not_found()
        await self.ctx.access.require_reviewer(principal, current["activity_id"], _invoice_not_found())

        async def work(session: AsyncClientSession) -> Document:
            found = await self.ctx.invoices.with_document(invoice_id, session)
            if found is None or not isinstance(found[0], Invoice):
                raise _invoice_not_found()
            invoice, doc = found[0], found[1]
            if invoice.status in OPEN_STATUSES and \
                    ReminderLevel.FORMAL_NOTICE.value not in (doc.get("reminders") or {}):
                raise Conflict("invoice.reminders_pending",
                               "An invoice is written off only after its formal notice.", "status")
            written = invoice.write_off()
            now = self.ctx.clock.now()
            saved = await self.ctx.invoices.save(invoice, {
                "write_off": {
                    "reason": reason, "by": principal.id, "on": self.ctx.clock.today().isoformat(),
                    "outstanding_incl_vat": written.outstanding_incl_vat,
                    "outstanding_activity_share": written.outstanding_activity_share},
                "updated_at": now}, session)
            event = InvoiceWrittenOff(
                invoice_id=invoice_id, number=doc["number"], activity_id=doc["activity_id"],
                member_id=str(doc.get("owner_id") or ""), outstanding_incl_vat=written.outstanding_incl_vat,
                outstanding_activity_share=written.outstanding_activity_share, reason=reason)
            await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=invoice_id)], session=session)
            return saved

        try:
            saved: Document = await self.ctx.runtime.commit(work)
        except StaleVersion as exc:
            raise Conflict("invoice.concurrent_update", "The invoice changed meanwhile; read it again.") from exc
        return saved
