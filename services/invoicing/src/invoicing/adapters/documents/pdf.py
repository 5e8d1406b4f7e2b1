"""Printable invoice / credit note and payment reminders (PDF, A4, reportlab).

The invoice carries every mention Belgian VAT law asks for (Royal Decree no. 1,
art. 5): seller and buyer identity and VAT numbers, number and dates, the
lines, the taxable amount and VAT per rate, the exemption or reverse-charge
mention, and the payment details with the EPC QR code.

Text uses the standard Helvetica font (Windows-1252): characters outside it
are drawn as a box.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any, Literal
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from stdnum import iban as stdnum_iban

from invoicing.adapters.documents.epc_qr import epc_transfer, make_epc_qr
from invoicing.adapters.documents.model import (
    DocumentKind,
    DocumentLine,
    InvoiceDocument,
    Party,
    VatCategory,
)
from invoicing.adapters.documents.texts import (
    Texts,
    format_amount,
    format_date,
    format_number,
    format_percent,
    texts_for,
)

ReminderLevel = Literal["first_reminder", "formal_notice"]

QR_FORM_NAME = "EpcQr"  # the QR code is a named form XObject: findable in the file
QR_QUIET_ZONE = 4  # modules of white border the QR standard requires
QR_SIZE = 36 * mm

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 18 * mm
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_GRID = colors.HexColor("#B0B0B0")
_SHADE = colors.HexColor("#EEEEEE")

_base = getSampleStyleSheet()
_NORMAL = ParagraphStyle("DocNormal", parent=_base["Normal"], fontName="Helvetica", fontSize=9, leading=11.5)
_SMALL = ParagraphStyle("DocSmall", parent=_NORMAL, fontSize=7.5, leading=9.5)
_BOLD = ParagraphStyle("DocBold", parent=_NORMAL, fontName="Helvetica-Bold")
_TITLE = ParagraphStyle("DocTitle", parent=_BOLD, fontSize=18, leading=22, spaceAfter=3 * mm)
_TH = ParagraphStyle("DocTableHeader", parent=_BOLD, fontSize=8, leading=9.5)
_TH_RIGHT = ParagraphStyle("DocTableHeaderRight", parent=_TH, alignment=TA_RIGHT)
_HEADING = ParagraphStyle("DocHeading", parent=_BOLD, fontSize=10.5, leading=13, spaceBefore=4 * mm, spaceAfter=2 * mm)


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice or credit note as a PDF; invoices with an amount due get a QR code."""
    texts = texts_for(doc.language)
    title = texts.invoice if doc.kind is DocumentKind.INVOICE else texts.credit_note
    story: list[Any] = [
        _heading(doc.seller, doc.buyer, title, _invoice_facts(doc, texts), texts),
        _lines_table(doc, texts),
        Paragraph(escape(texts.vat_breakdown), _HEADING),
        _vat_table(doc, texts),
        Spacer(1, 3 * mm),
        _totals_table(doc, texts),
        *_mentions(doc, texts),
    ]
    if doc.kind is DocumentKind.INVOICE and doc.totals.payable > 0:
        story += _payment_block(doc, texts, doc.totals.payable, doc.due_date)
    return _build(story, doc, texts, f"{title} {doc.number}")


def render_reminder_pdf(
    doc: InvoiceDocument,
    level: ReminderLevel,
    amount_outstanding: Decimal,
    *,
    reminder_date: date,
    payment_deadline: date | None = None,
) -> bytes:
    """A first reminder or a formal notice for the unpaid part of an invoice."""
    if doc.kind is not DocumentKind.INVOICE:
        raise ValueError("reminders are only sent for invoices")
    if level not in ("first_reminder", "formal_notice"):
        raise ValueError(f"unknown reminder level {level!r}")
    if not isinstance(amount_outstanding, Decimal):
        raise TypeError("money is a Decimal, never a float")
    if not 0 < amount_outstanding <= doc.totals.payable:
        raise ValueError("the outstanding amount must be positive and at most the amount due")
    texts = texts_for(doc.language)
    title = texts.first_reminder if level == "first_reminder" else texts.formal_notice
    facts = [(texts.date, format_date(reminder_date)), (texts.invoice, doc.number)]
    body = texts.first_reminder_body if level == "first_reminder" else texts.formal_notice_body
    deadline = texts.deadline.format(date=format_date(payment_deadline)) if payment_deadline else ""
    story: list[Any] = [
        _heading(doc.seller, doc.buyer, title, facts, texts),
        Paragraph(escape(body.format(deadline=deadline)), _NORMAL),
        Spacer(1, 4 * mm),
        _reminder_table(doc, texts, amount_outstanding),
        *_payment_block(doc, texts, amount_outstanding, payment_deadline),
    ]
    return _build(story, doc, texts, f"{title} {doc.number}")


_QUOTE_TITLE = {"fr": "Devis", "nl": "Offerte", "en": "Quote"}
_VALID_UNTIL = {"fr": "Valable jusqu'au", "nl": "Geldig tot", "en": "Valid until"}
_QUOTE_NOTE = {
    "fr": "Ce devis n'est pas une facture. La facture suivra son acceptation.",
    "nl": "Deze offerte is geen factuur. De factuur volgt na aanvaarding.",
    "en": "This quote is not an invoice. The invoice follows its acceptance.",
}


def render_quote_pdf(doc: InvoiceDocument, valid_until: date) -> bytes:
    """A quote as a PDF: the same seller, buyer, lines and totals as its invoice
    would carry, without payment details (nothing is owed yet)."""
    texts = texts_for(doc.language)
    title = _QUOTE_TITLE[doc.language]
    facts = [(texts.date, format_date(doc.issue_date)), (_VALID_UNTIL[doc.language], format_date(valid_until))]
    story: list[Any] = [
        _heading(doc.seller, doc.buyer, title, facts, texts),
        _lines_table(doc, texts),
        Paragraph(escape(texts.vat_breakdown), _HEADING),
        _vat_table(doc, texts),
        Spacer(1, 3 * mm),
        _totals_table(doc, texts),
        Spacer(1, 4 * mm),
        _paragraph([*doc.notes, _QUOTE_NOTE[doc.language]], _SMALL),
    ]
    return _build(story, doc, texts, title)


def _build(story: list[Any], doc: InvoiceDocument, texts: Texts, title: str) -> bytes:
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + 6 * mm,
        title=title,
        author=doc.seller.name,
        lang=doc.language,
    )

    def footer(canvas: Any, _template: Any) -> None:
        # Repeats who issued the document and which one, on every page.
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(_MARGIN, _MARGIN + 9, _footer_line(doc, texts))
        page = f"{doc.number} – {texts.page} {canvas.getPageNumber()}"
        canvas.drawRightString(_PAGE_WIDTH - _MARGIN, _MARGIN, page)
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _footer_line(doc: InvoiceDocument, texts: Texts) -> str:
    seller = doc.seller
    parts = [seller.name, f"{seller.street}, {seller.postal_code} {seller.city}"]
    if seller.vat_id:
        parts.append(f"{texts.vat_number} {seller.vat_id}")
    parts.append(f"{texts.iban} {stdnum_iban.format(doc.payee_account.iban)}")
    return " – ".join(parts)


def _paragraph(lines: Iterable[str], style: ParagraphStyle = _NORMAL) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _party_lines(party: Party, texts: Texts) -> list[str]:
    lines = [party.street, f"{party.postal_code} {party.city}", party.country_code]
    if party.vat_id:
        lines.append(f"{texts.vat_number} {party.vat_id}")
    if party.enterprise_number:
        number = party.enterprise_number
        lines.append(f"{texts.enterprise_number} {number[:4]}.{number[4:7]}.{number[7:]}")
    if party.email:
        lines.append(party.email)
    return lines


def _heading(seller: Party, buyer: Party, title: str, facts: Sequence[tuple[str, str]], texts: Texts) -> Table:
    seller_block = [Paragraph(escape(seller.name), _BOLD), _paragraph(_party_lines(seller, texts))]
    facts_table = _key_value_table(facts, widths=(32 * mm, 48 * mm))
    buyer_block = [
        Paragraph(escape(texts.client), _SMALL),
        Paragraph(escape(buyer.name), _BOLD),
        _paragraph(_party_lines(buyer, texts)),
    ]
    table = Table(
        [[seller_block, [Paragraph(escape(title), _TITLE), facts_table]], ["", buyer_block]],
        colWidths=(_CONTENT_WIDTH - 82 * mm, 82 * mm),
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm)]))
    return table


# The date of supply sets the VAT rate: printed when it is not the invoice date.
_SUPPLY_TEXTS = {
    "fr": ("Date de la prestation", "Période de prestation", "Presté le"),
    "nl": ("Datum van de levering", "Leveringsperiode", "Geleverd op"),
    "en": ("Date of supply", "Supply period", "Supplied on"),
}


def _invoice_facts(doc: InvoiceDocument, texts: Texts) -> list[tuple[str, str]]:
    facts = [(texts.number, doc.number), (texts.date, format_date(doc.issue_date))]
    supply_label, period_label, _ = _SUPPLY_TEXTS[doc.language]
    if doc.supply_date is not None:
        facts.append((supply_label, format_date(doc.supply_date)))
    if doc.period is not None:
        facts.append((period_label, f"{format_date(doc.period.start)} – {format_date(doc.period.end)}"))
    if doc.due_date is not None:
        facts.append((texts.due_date, format_date(doc.due_date)))
    if doc.buyer_reference is not None:
        facts.append((texts.buyer_reference, doc.buyer_reference))
    if doc.order_reference is not None:
        facts.append((texts.order_reference, doc.order_reference))
    if doc.billing_reference is not None:
        reference = doc.billing_reference
        when = f" ({format_date(reference.issue_date)})" if reference.issue_date else ""
        facts.append((texts.credited_invoice, reference.number + when))
    return facts


def _key_value_table(rows: Sequence[tuple[str, str]], widths: tuple[float, float]) -> Table:
    table = Table([[label, value] for label, value in rows], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), "Helvetica", 8.5),
                ("FONT", (1, 0), (1, -1), "Helvetica-Bold", 8.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _header_row(labels: Sequence[str], numeric_from: int) -> list[Paragraph]:
    """Column titles wrap instead of overlapping when a translation is long."""
    return [Paragraph(escape(label), _TH_RIGHT if index >= numeric_from else _TH) for index, label in enumerate(labels)]


def _grid_style(numeric_from: int) -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
            ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, _GRID),
            ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def _line_vat(line: DocumentLine, texts: Texts) -> str:
    if line.vat_category in (VatCategory.STANDARD, VatCategory.ZERO_RATED):
        return format_percent(line.vat_percent, texts)
    return texts.category_names[line.vat_category]


def _lines_table(doc: InvoiceDocument, texts: Texts) -> Table:
    header = [texts.description, texts.quantity, texts.unit, texts.unit_price, texts.vat, texts.net_amount]
    rows: list[list[Any]] = [_header_row(header, numeric_from=1)]
    supplied_on = _SUPPLY_TEXTS[doc.language][2]
    for line in doc.lines:
        description = escape(line.description)
        if line.supply_date is not None:
            description += f"<br/><font size=7>{escape(supplied_on)} {format_date(line.supply_date)}</font>"
        rows.append(
            [
                Paragraph(description, _NORMAL),
                format_number(line.quantity, texts),
                texts.unit_names.get(line.unit_code, line.unit_code),
                format_number(line.unit_price, texts, min_decimals=2),
                _line_vat(line, texts),
                format_number(line.net_amount, texts, min_decimals=2),
            ]
        )
    widths = (_CONTENT_WIDTH - 114 * mm, 16 * mm, 16 * mm, 30 * mm, 24 * mm, 28 * mm)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid_style(numeric_from=1))
    return table


def _vat_table(doc: InvoiceDocument, texts: Texts) -> Table:
    rows: list[list[Any]] = [[*_header_row([texts.vat, texts.taxable_amount, texts.vat_amount], numeric_from=1), ""]]
    for subtotal in doc.tax_subtotals:
        name = texts.category_names[subtotal.category].format(
            percent=format_number(subtotal.percent.normalize(), texts)
        )
        reason = subtotal.exemption.reason if subtotal.exemption else ""
        rows.append(
            [
                name,
                format_amount(subtotal.taxable_amount, texts),
                format_amount(subtotal.tax_amount, texts),
                Paragraph(escape(reason), _SMALL),
            ]
        )
    table = Table(rows, colWidths=(34 * mm, 30 * mm, 30 * mm, _CONTENT_WIDTH - 94 * mm))
    style = _grid_style(numeric_from=1)
    style.add("ALIGN", (3, 0), (3, -1), "LEFT")
    table.setStyle(style)
    return table


def _totals_table(doc: InvoiceDocument, texts: Texts) -> Table:
    totals = doc.totals
    rows = [
        (texts.total_excl_vat, totals.tax_exclusive),
        (texts.total_vat, totals.tax_amount),
        (texts.total_incl_vat, totals.tax_inclusive),
    ]
    if totals.prepaid:
        rows.append((texts.prepaid, totals.prepaid))
    last_label = texts.payable if doc.kind is DocumentKind.INVOICE else texts.credited
    rows.append((last_label, totals.payable))
    table = Table(
        [[label, format_amount(amount, texts)] for label, amount in rows],
        colWidths=(45 * mm, 35 * mm),
        hAlign="RIGHT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10.5),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    return table


def _mentions(doc: InvoiceDocument, texts: Texts) -> list[Any]:
    """Legal mentions: reverse charge, exemption grounds, credit-note VAT, notes."""
    mentions: list[Any] = [Spacer(1, 4 * mm)]
    if VatCategory.REVERSE_CHARGE in doc.categories:
        mentions.append(Paragraph(escape(texts.reverse_charge), _BOLD))
    for subtotal in doc.tax_subtotals:
        if subtotal.exemption is not None:
            mentions.append(Paragraph(escape(subtotal.exemption.reason), _NORMAL))
    if doc.kind is DocumentKind.CREDIT_NOTE and doc.totals.tax_amount > 0:
        # Royal Decree no. 4 art. 5: the client must repay VAT it deducted.
        mentions.append(Paragraph(escape(texts.credit_note_vat), _NORMAL))
    if doc.payment_terms:
        mentions.append(Paragraph(escape(doc.payment_terms), _NORMAL))
    mentions += [Paragraph(escape(note), _SMALL) for note in doc.notes]
    return mentions


def _payment_block(doc: InvoiceDocument, texts: Texts, amount: Decimal, deadline: date | None) -> list[Any]:
    lines = []
    if deadline is not None:
        lines.append(texts.pay_by.format(amount=format_amount(amount, texts), date=format_date(deadline)))
    else:
        lines.append(f"{texts.payable}: {format_amount(amount, texts)}")
    lines.append(f"{texts.iban}: {stdnum_iban.format(doc.payee_account.iban)}")
    if doc.payee_account.bic:
        lines.append(f"{texts.bic}: {doc.payee_account.bic}")
    lines.append(f"{texts.structured_communication}: {doc.structured_communication}")
    qr = make_epc_qr(epc_transfer(doc, amount=amount))
    qr_block = [_QrCode(qr, QR_SIZE), Paragraph(escape(texts.scan_to_pay), _SMALL)]
    table = Table([[_paragraph(lines), qr_block]], colWidths=(_CONTENT_WIDTH - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.6, _GRID)]))
    return [Paragraph(escape(texts.payment), _HEADING), table]


def _reminder_table(doc: InvoiceDocument, texts: Texts, outstanding: Decimal) -> Table:
    due = format_date(doc.due_date) if doc.due_date else ""
    header = [texts.number, texts.issue_date, texts.due_date, texts.invoice_total, texts.outstanding]
    row = [
        doc.number,
        format_date(doc.issue_date),
        due,
        format_amount(doc.totals.tax_inclusive, texts),
        format_amount(outstanding, texts),
    ]
    table = Table([_header_row(header, numeric_from=3), row], colWidths=[_CONTENT_WIDTH / 5] * 5)
    table.setStyle(_grid_style(numeric_from=3))
    return table


def _dark_runs(row: Sequence[int]) -> Iterable[tuple[int, int]]:
    """(start, length) of each run of dark modules in a QR matrix row."""
    start = None
    for index, module in enumerate([*row, 0]):
        if module and start is None:
            start = index
        elif not module and start is not None:
            yield start, index - start
            start = None


class _QrCode(Flowable):  # type: ignore[misc]  # reportlab has no type information
    """The QR code drawn as vector squares (sharp at any zoom) in a form XObject."""

    def __init__(self, qr: segno.QRCode, size: float) -> None:
        super().__init__()
        self._matrix = qr.matrix
        self._size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self._size, self._size

    def draw(self) -> None:
        count = len(self._matrix)
        module = self._size / (count + 2 * QR_QUIET_ZONE)
        canvas = self.canv
        canvas.beginForm(QR_FORM_NAME)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(self._matrix):
            y = (count - 1 - row_index + QR_QUIET_ZONE) * module
            for start, length in _dark_runs(row):
                x = (start + QR_QUIET_ZONE) * module
                canvas.rect(x, y, length * module, module, stroke=0, fill=1)
        canvas.endForm()
        canvas.doForm(QR_FORM_NAME)
