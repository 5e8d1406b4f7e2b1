"""What a stored invoice or credit note still asks for, and whether it is overdue, as the API shows it:
read from the document through the domain, to the same figures the stored totals give."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from coop_shared.persistence.mongo import Document
from invoicing.adapters.mappers import (
    billing_document_from_doc,
    client_fields,
    credit_note_from_doc,
    invoice_state,
    line_to_doc,
    regime_to_doc,
    totals_to_doc,
)
from invoicing.domain.clients import Address, CompanyClient
from invoicing.domain.invoice import CreditLine, CreditNote, Invoice, InvoiceNumber, InvoiceStatus
from invoicing.domain.money import ZERO
from invoicing.domain.totals import InvoiceLine
from invoicing.domain.vat import VatCategoryCode, VatRegime, VatTreatment

D = Decimal
DAY = date(2026, 3, 10)
CLIENT = CompanyClient("Client SA", Address("Rue Haute 1", "Bruxelles", "BE", "1000"), vat_number="BE0123456749")


def line(quantity: str, price: str, rate: str = "21") -> InvoiceLine:
    return InvoiceLine("Work", D(quantity), "HUR", D(price), D(rate), VatCategoryCode.STANDARD)


def draft(*lines: InvoiceLine) -> Invoice:
    return Invoice(invoice_id="inv", activity_id="a", client=CLIENT, regime=VatRegime(VatTreatment.NORMAL),
                   lines=lines)


def issued(*lines: InvoiceLine) -> Invoice:
    invoice = draft(*(lines or (line("10", "100.00"),)))
    invoice.issue(InvoiceNumber(2026, 1), DAY)
    return invoice


def stored(invoice: Invoice) -> Document:
    """The invoice as the service stores it."""
    doc: Document = {"_id": invoice.id, "kind": "invoice", "activity_id": invoice.activity_id,
                     "client": client_fields(invoice.client), **invoice_state(invoice)}
    if invoice.number is not None and invoice.issue_date is not None and invoice.due_date is not None:
        doc.update(number=str(invoice.number), year=invoice.number.year, sequence=invoice.number.sequence,
                   issue_date=invoice.issue_date.isoformat(), due_date=invoice.due_date.isoformat(),
                   structured_communication=invoice.structured_communication,
                   contribution_rate=invoice.contribution_rate)
    return doc


def stored_note(invoice: Invoice, note: CreditNote) -> Document:
    """A credit note as the service stores it (``InvoiceService.credit``)."""
    return {"_id": f"cn-{note.number}", "kind": "credit_note", "status": "issued", "activity_id": invoice.activity_id,
            "client": client_fields(note.client), "regime": regime_to_doc(note.regime),
            "lines": [line_to_doc(line) for line in note.lines], "totals": totals_to_doc(note.totals),
            "number": str(note.number), "number_prefix": note.number.prefix, "year": note.number.year,
            "sequence": note.number.sequence, "issue_date": note.issue_date.isoformat(), "reason": note.reason,
            "credited_invoice": {"id": invoice.id, "number": str(invoice.number),
                                 "issue_date": note.invoice_issue_date.isoformat()}}


def owed_by_stored_figures(doc: Document) -> Decimal:
    """The amount due stored at issue, less what was paid and what credit notes cancelled."""
    if doc["status"] not in {"issued", "sent", "partially_paid"}:
        return ZERO
    return D(doc["totals"]["amount_due"]) - D(doc["amount_paid"]) - D((doc.get("credits") or {}).get("unpaid", 0))


def test_a_credit_note_asks_for_nothing_and_is_never_overdue() -> None:
    invoice = issued()
    note = invoice.create_credit_note(InvoiceNumber(2026, 1, "CN-"), DAY, "Annulé", lines=[CreditLine(0, D("2"))])
    assert note.outstanding == ZERO
    assert not note.is_overdue(DAY + timedelta(days=3650))
    read = billing_document_from_doc(stored_note(invoice, note))
    assert isinstance(read, CreditNote)
    assert read.outstanding == ZERO and not read.is_overdue(DAY + timedelta(days=3650))


def test_a_stored_credit_note_reads_back_with_the_cent_its_vat_was_moved_by() -> None:
    # 3 × 0.03 at 21 %: credited unit by unit, the second note's VAT is moved down a cent.
    invoice = issued(line("3", "0.03"), line("7", "33.33", "6"))
    moved: list[bool] = []
    for sequence in (1, 2, 3):
        note = invoice.create_credit_note(InvoiceNumber(2026, sequence, "CN-"), DAY, "Non livré",
                                          lines=[CreditLine(0, D(1))])
        invoice.apply_credit_note(note)
        moved.append(bool(note.vat_rounding))
        read = credit_note_from_doc(stored_note(invoice, note))
        assert read == note
        assert read.totals == note.totals
    assert moved == [False, True, False]


@pytest.mark.parametrize("late", [0, 1])
def test_a_stored_invoice_asks_for_what_its_stored_figures_leave_at_every_step(late: int) -> None:
    invoice = issued(line("10", "100.00"), line("4", "25.00", "6"))
    assert invoice.due_date is not None
    today = invoice.due_date + timedelta(days=late)  # the due day itself is still on time
    steps: list[Document] = [stored(draft()), stored(draft(line("1", "10.00"))), stored(invoice)]
    invoice.record_payment(D("400.00"))
    steps.append(stored(invoice))
    invoice.apply_credit_note(invoice.create_credit_note(InvoiceNumber(2026, 1, "CN-"), DAY, "x",
                                                         lines=[CreditLine(1, D("2"))]))
    steps.append(stored(invoice))
    invoice.record_payment(invoice.outstanding)
    steps.append(stored(invoice))
    written_off = issued()
    written_off.write_off()
    steps.append(stored(written_off))
    assert [doc["status"] for doc in steps] == ["draft", "draft", "issued", "partially_paid", "partially_paid",
                                                "paid", "written_off"]
    assert steps[0]["totals"] is None  # a draft without lines has no totals yet
    for doc in steps:
        read = billing_document_from_doc(doc)
        assert read.outstanding == owed_by_stored_figures(doc)
        assert read.is_overdue(today) == (late > 0 and doc["status"] in {"issued", "partially_paid"})
    assert [billing_document_from_doc(doc).outstanding for doc in steps] == [
        ZERO, ZERO, D("1316.00"), D("916.00"), D("863.00"), ZERO, ZERO]


def test_an_unknown_kind_of_document_is_refused() -> None:
    with pytest.raises(ValueError, match="quote"):
        billing_document_from_doc({**stored(issued()), "kind": "quote"})


def test_a_cancelled_invoice_asks_for_nothing() -> None:
    invoice = issued()
    invoice.apply_credit_note(invoice.create_credit_note(InvoiceNumber(2026, 1, "CN-"), DAY, "Annulé"))
    assert invoice.status is InvoiceStatus.CANCELLED
    assert billing_document_from_doc(stored(invoice)).outstanding == ZERO
