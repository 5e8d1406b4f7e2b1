"""The files of an issued document, rendered once and then only read.

An invoice's and a credit note's PDF and UBL are rendered when they are
issued; a reminder letter when it is sent. Every download and every e-mail
then carries the stored bytes. Should the process stop between the issue and
the rendering, the first reader renders and stores them (the content depends
only on the issued document, which never changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.concurrency import run_in_threadpool

from coop_shared.persistence.mongo import Document
from invoicing.adapters.document_store import FileStore, StoredFile
from invoicing.adapters.documents.from_invoice import invoice_document
from invoicing.adapters.documents.pdf import render_invoice_pdf, render_reminder_pdf
from invoicing.adapters.documents.ubl import render_ubl
from invoicing.service_layer.context import Context

PDF, UBL = "pdf", "ubl"
PDF_TYPE, XML_TYPE = "application/pdf", "application/xml"


def reminder_name(level: str) -> str:
    return f"reminder-{level}"


@dataclass
class IssuedFiles:
    ctx: Context

    @property
    def store(self) -> FileStore:
        return FileStore(self.ctx.runtime.db)

    async def pdf(self, doc: Document) -> StoredFile:
        stored = await self.store.get(doc["_id"], PDF)
        if stored is not None:
            return stored
        document, _ = invoice_document(doc, self.ctx.seller)
        content = await run_in_threadpool(render_invoice_pdf, document)
        return await self.store.keep(doc["_id"], PDF, f"{doc['number']}.pdf", PDF_TYPE, content)

    async def ubl(self, doc: Document) -> StoredFile:
        stored = await self.store.get(doc["_id"], UBL)
        if stored is not None:
            return stored
        document, _ = invoice_document(doc, self.ctx.seller)
        content = await run_in_threadpool(render_ubl, document)
        return await self.store.keep(doc["_id"], UBL, f"{doc['number']}.xml", XML_TYPE, content)

    def has_ubl(self, doc: Document) -> bool:
        """A Peppol UBL exists only for a buyer reachable on Peppol (never an invented address)."""
        return self.peppol_receiver(doc) is not None

    def peppol_receiver(self, doc: Document) -> str | None:
        """The buyer's Peppol participant id, ``<scheme>:<identifier>``, if it has one."""
        document, _ = invoice_document(doc, self.ctx.seller)
        address = document.buyer.electronic_address
        return None if address is None else f"{address.scheme}:{address.identifier}"

    async def issued(self, doc: Document) -> list[StoredFile]:
        """The files of an issued invoice or credit note: its PDF, and its UBL when the buyer has a Peppol id
        (none for an internal transfer between two activities: it is no sale)."""
        if doc.get("internal_transfer"):
            return []
        files = [await self.pdf(doc)]
        if self.has_ubl(doc):
            files.append(await self.ubl(doc))
        return files

    async def reminder(self, doc: Document, reminder: Document) -> StoredFile:
        name = reminder_name(reminder["level"])
        stored = await self.store.get(doc["_id"], name)
        if stored is not None:
            return stored
        document, _ = invoice_document(doc, self.ctx.seller)
        deadline = reminder.get("payment_deadline")
        content = await run_in_threadpool(
            render_reminder_pdf, document, reminder["level"], Decimal(reminder["outstanding"]),
            reminder_date=date.fromisoformat(reminder["sent_on"]),
            payment_deadline=date.fromisoformat(deadline) if deadline else None)
        return await self.store.keep(doc["_id"], name, f"{doc['number']}-{reminder['level']}.pdf", PDF_TYPE,
                                     content)

    async def summaries(self, document_id: str) -> list[dict[str, Any]]:
        return await self.store.summaries(document_id)
