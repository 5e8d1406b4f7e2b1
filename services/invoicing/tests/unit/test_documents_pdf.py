"""The PDF shows every mandatory mention and the right EPC QR code.

The PDFs are read back with a small reader below: it inflates reportlab's
streams (ASCII85 + Flate) and collects the strings drawn by the text operators,
so the real, compressed output is checked without any external tool.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from invoicing.adapters.documents import samples
from invoicing.adapters.documents.epc_qr import epc_transfer, make_epc_qr
from invoicing.adapters.documents.pdf import QR_FORM_NAME, QR_QUIET_ZONE, render_invoice_pdf, render_reminder_pdf

# A stream object's dictionary, never reaching into the next object.
_OBJECT = re.compile(rb"(\d+) 0 obj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n", re.S)
_TEXT_OR_BREAK = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*Tj|(?<!\w)(T\*|Td|TD|Tm|ET)(?!\w)", re.S)
_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\b")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(pdf: bytes) -> dict[int, bytes]:
    """Decoded content of every stream object, by object number."""
    streams = {}
    for match in _OBJECT.finditer(pdf):
        header = match.group(2)
        length = int(re.search(rb"/Length (\d+)", header).group(1))  # type: ignore[union-attr]
        data = pdf[match.end() : match.end() + length]
        for name in re.findall(rb"/(ASCII85Decode|FlateDecode)", header):
            data = base64.a85decode(data, adobe=True) if name == b"ASCII85Decode" else zlib.decompress(data)
        streams[int(match.group(1))] = data
    return streams


def _unescape(raw: bytes) -> str:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S).decode("cp1252")


def _text(pdf: bytes) -> str:
    """All drawn text; a new line wherever the text position moves."""
    parts = []
    for content in _streams(pdf).values():
        for match in _TEXT_OR_BREAK.finditer(content):
            parts.append(_unescape(match.group(1)) if match.group(1) is not None else "\n")
    return "".join(parts)


def _flat(pdf: bytes) -> str:
    """The text with line breaks as spaces: wrapped sentences read whole."""
    return " ".join(_text(pdf).split())


def _qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """(row, column) of the dark modules drawn in the QR code form XObject."""
    number = re.search(rb"/FormXob\." + QR_FORM_NAME.encode() + rb" (\d+) 0 R", pdf)
    assert number, "no EPC QR code in the PDF"
    rects = [tuple(map(float, m.groups())) for m in _RECT.finditer(_streams(pdf)[int(number.group(1))])]
    module = min(height for _, _, _, height in rects)
    top = max(round(y / module) for _, y, _, _ in rects)
    modules: set[tuple[int, int]] = set()
    for x, y, width, _ in rects:
        row = top - round(y / module)
        first = round(x / module) - QR_QUIET_ZONE
        modules.update((row, column) for column in range(first, first + round(width / module)))
    return modules


def _dark(matrix: tuple[bytearray, ...]) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}


def test_domestic_invoice_shows_every_mandatory_mention() -> None:
    pdf = render_invoice_pdf(samples.domestic_invoice())
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in [
        # seller: name, address, VAT and enterprise numbers
        "Coopérative Partagée SC",
        "Rue de la Coopération 12",
        "1000 Bruxelles",
        "N° TVA BE0123456749",
        "N° d'entreprise 0123.456.749",
        # document: kind, number, dates, client's reference
        "Facture",
        "2026-000123",
        "16/03/2026",
        "15/04/2026",
        "PO-4521",
        # buyer: name, address, VAT number
        "Théâtre de la Lune SRL",
        "Avenue des Arts 7",
        "4000 Liège",
        "N° TVA BE0765432146",
        # lines: description, quantity, unit, unit price, rate, amount
        "Création sonore du spectacle « Lune »",
        "Programme illustré",
        "4,125",
        "120,50",
        "361,50",
        "heure",
        # VAT per rate: base and VAT
        "21 %",
        "6 %",
        "1.141,50 €",
        "239,72 €",
        "517,50 €",
        "31,05 €",
        # totals
        "Total HTVA",
        "1.659,00 €",
        "270,77 €",
        "1.929,77 €",
        # payment: amount, IBAN, BIC, structured communication
        "Merci de payer 1.929,77 € au plus tard le 15/04/2026.",
        "IBAN: BE71 0961 2345 6769",
        "BIC: GKCCBEBB",
        "Communication structurée: +++202/6000/12320+++",
        # legal mentions from the document
        "RPM Bruxelles",
    ]:
        assert expected in text, f"{expected!r} missing from:\n{text}"


def test_the_qr_code_in_the_pdf_is_the_epc_code_of_the_amount_due() -> None:
    doc = samples.domestic_invoice()
    drawn = _qr_modules(render_invoice_pdf(doc))
    assert drawn == _dark(make_epc_qr(epc_transfer(doc)).matrix)
    assert drawn != _dark(make_epc_qr(epc_transfer(doc, amount=Decimal("1929.78"))).matrix)


def test_reverse_charge_invoice_says_autoliquidation_and_shows_the_clients_vat_id() -> None:
    text = _text(render_invoice_pdf(samples.reverse_charge_invoice()))  # an English one
    assert "Reverse charge (autoliquidation)" in text
    assert "Autoliquidation – article 196 de la directive 2006/112/CE" in text
    assert "VAT number NL000099998B57" in text
    assert "Total VAT" in text
    assert "2,850.00 €" in text
    assert "Structured communication: +++202/6000/12421+++" in text


def test_reverse_charge_mention_in_french() -> None:
    doc = replace(samples.reverse_charge_invoice(), language="fr")
    text = _text(render_invoice_pdf(doc))
    assert "\nAutoliquidation\n" in text
    assert "2.850,00 €" in text


def test_exempt_invoice_cites_the_legal_ground() -> None:
    text = _text(render_invoice_pdf(samples.exempt_invoice()))
    assert "Exemption de TVA – article 44, § 2, 4° du Code de la TVA" in text
    assert "Exonéré" in text
    assert "1.100,00 €" in text


def test_dutch_invoice_with_deposit() -> None:
    text = _text(render_invoice_pdf(samples.zero_rated_prepaid_invoice()))
    for expected in ["Factuur", "Btw-nummer BE0123456749", "Reeds betaald", "300,00 €", "Te betalen", "716,00 €"]:
        assert expected in text, expected
    assert "Gestructureerde mededeling: +++202/6000/12724+++" in text


def test_credit_note_references_the_invoice_and_asks_no_payment() -> None:
    pdf = render_invoice_pdf(samples.credit_note())
    text = _text(pdf)
    assert "Note de crédit" in text
    assert "2026-000126" in text
    assert "Facture créditée" in text
    assert "2026-000123 (16/03/2026)" in text
    assert "TVA à reverser à l'État dans la mesure où elle a été initialement déduite." in text
    assert "Montant crédité" in text
    assert "437,42 €" in text
    assert b"/FormXob." + QR_FORM_NAME.encode() not in pdf
    assert "Communication structurée" not in text


def test_a_fully_prepaid_invoice_has_no_payment_block() -> None:
    base = samples.domestic_invoice()
    doc = samples.document(
        number="2026-000130",
        buyer=base.buyer,
        lines=base.lines[:1],
        ogm_base="2026000130",
        prepaid=Decimal("943.80"),  # 780.00 + 21 %
    )
    pdf = render_invoice_pdf(doc)
    text = _text(pdf)
    assert "Déjà payé" in text
    assert "0,00 €" in text
    assert b"/FormXob." + QR_FORM_NAME.encode() not in pdf


def test_a_long_invoice_flows_onto_more_pages_with_the_footer_on_each() -> None:
    base = samples.domestic_invoice()
    lines = tuple(samples.line(str(i), f"Séance de répétition n° {i}", "2", "HUR", "40.00") for i in range(1, 61))
    doc = samples.document(number="2026-000200", buyer=base.buyer, lines=lines, ogm_base="2026000200")
    text = _text(render_invoice_pdf(doc))
    assert "2026-000200 – Page 1" in text
    assert "2026-000200 – Page 2" in text
    assert "Séance de répétition n° 60" in text
    assert "5.808,00 €" in text  # 60 x 80.00 x 1.21


@pytest.mark.parametrize(
    ("level", "title"), [("first_reminder", "Rappel de paiement"), ("formal_notice", "Mise en demeure")]
)
def test_reminders_show_the_outstanding_amount_and_payment_details(level: str, title: str) -> None:
    doc = samples.domestic_invoice()
    pdf = render_reminder_pdf(
        doc,
        level,  # type: ignore[arg-type]
        Decimal("500.00"),
        reminder_date=date(2026, 5, 1),
        payment_deadline=date(2026, 5, 15),
    )
    assert pdf.startswith(b"%PDF-")
    text = _flat(pdf)
    for expected in [
        title,
        "01/05/2026",
        "2026-000123",
        "15/04/2026",
        "1.929,77 €",
        "500,00 €",
        "au plus tard le 15/05/2026",
        "Communication structurée: +++202/6000/12320+++",
        "IBAN: BE71 0961 2345 6769",
    ]:
        assert expected in text, f"{expected!r} missing from:\n{text}"
    # The QR code asks for what is still due, not the invoice total.
    assert _qr_modules(pdf) == _dark(make_epc_qr(epc_transfer(doc, amount=Decimal("500.00"))).matrix)


SENT = date(2026, 5, 1)  # a reminder is dated by the day it is sent, never by the machine's calendar


def test_formal_notice_warns_of_recovery() -> None:
    text = _flat(render_reminder_pdf(samples.domestic_invoice(), "formal_notice", Decimal("10.00"), reminder_date=SENT))
    assert "nous vous mettons en demeure de payer le montant restant dû." in text
    assert "nous nous réservons le droit d'entamer une procédure de recouvrement" in text


def test_reminders_refuse_impossible_requests() -> None:
    doc = samples.domestic_invoice()
    with pytest.raises(ValueError, match="only sent for invoices"):
        render_reminder_pdf(samples.credit_note(), "first_reminder", Decimal("1.00"), reminder_date=SENT)
    with pytest.raises(ValueError, match="at most the amount due"):
        render_reminder_pdf(doc, "first_reminder", Decimal("1929.78"), reminder_date=SENT)
    with pytest.raises(ValueError, match="at most the amount due"):
        render_reminder_pdf(doc, "first_reminder", Decimal("0"), reminder_date=SENT)
    with pytest.raises(TypeError, match="Decimal"):
        render_reminder_pdf(doc, "first_reminder", 10.0, reminder_date=SENT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown reminder level"):
        render_reminder_pdf(doc, "last_warning", Decimal("1.00"), reminder_date=SENT)  # type: ignore[arg-type]
