"""A period's sales documents in one ZIP for the accountant: every numbered invoice and credit note as the PDF the
client received, its Peppol BIS 3.0 UBL when the client is reachable on Peppol, and ``index.csv`` listing them.

The archive is streamed as it is written: a month of a large cooperative's documents is never held in memory
at once. The files are the stored ones (rendered once at issue), so an archive made twice holds the same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import date

from coop_shared import periods
from invoicing.adapters.documents.from_invoice import invoice_document
from invoicing.adapters.documents.model import DocumentKind
from invoicing.service_layer.context import Context
from invoicing.service_layer.issued_files import IssuedFiles

# An accounting year and a bit: a longer archive is asked for in several periods.
INDEX_HEADER = ("number", "kind", "issue_date", "due_date", "credited_number", "activity_id", "client_name",
                "client_vat_id", "total_excl_vat", "vat", "total_incl_vat", "pdf", "ubl")
_FOLDER = {DocumentKind.INVOICE: "invoices", DocumentKind.CREDIT_NOTE: "credit-notes"}


def check_period(first: date, last: date) -> None:
    periods.check_period(first, last, what="An archive")


class _Chunks:
    """A write-only file for ``zipfile``: what was written since the last ``take``, nothing kept after."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        out = bytes(self._buffer)
        self._buffer.clear()
        return out


def _entry(name: str, day: date) -> zipfile.ZipInfo:
    # Dated by the document's issue day, not the moment of export: the same period gives the same archive.
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


async def sales_archive(ctx: Context, first: date, last: date) -> AsyncIterator[bytes]:
    """The ZIP's bytes, a document at a time. ``check_period`` first: a refusal must come before the answer."""
    files = IssuedFiles(ctx)
    chunks = _Chunks()
    index = io.StringIO()
    rows = csv.writer(index, lineterminator="\r\n")
    rows.writerow(INDEX_HEADER)
    with zipfile.ZipFile(chunks, mode="w") as archive:
        async for doc in ctx.invoices.issued_between(first, last):
            document, _ = invoice_document(doc, ctx.seller)
            names = []
            for stored in await files.issued(doc):
                name = f"{_FOLDER[document.kind]}/{stored.filename}"
                archive.writestr(_entry(name, document.issue_date), stored.content)
                names.append(name)
            rows.writerow((
                document.number, document.kind.value, document.issue_date.isoformat(),
                document.due_date.isoformat() if document.due_date else "",
                document.billing_reference.number if document.billing_reference else "",
                doc["activity_id"], document.buyer.name, document.buyer.vat_id or "",
                f"{document.totals.tax_exclusive:.2f}", f"{document.totals.tax_amount:.2f}",
                f"{document.totals.tax_inclusive:.2f}",
                next((n for n in names if n.endswith(".pdf")), ""), next((n for n in names if n.endswith(".xml")), ""),
            ))
            yield chunks.take()
        archive.writestr(_entry("index.csv", last), index.getvalue().encode("utf-8"))
    yield chunks.take()
