"""Properties of invoice figures along the path the API takes: lines as
typed → domain lines and totals → stored document → legal document (model
and UBL). For random lines and rates, every figure is exact to the cent and
agrees with an independent computation in integer cents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from invoicing.adapters.documents.from_invoice import invoice_document
from invoicing.adapters.documents.ubl import render_ubl
from invoicing.adapters.mappers import line_to_doc, regime_to_doc, totals_to_doc
from invoicing.config import InvoicingSettings
from invoicing.domain.clients import Address, CompanyClient
from invoicing.domain.invoice import Invoice, InvoiceNumber
from invoicing.domain.lines import LineInput, build_lines
from invoicing.domain.vat import VatRegime, VatTreatment
from invoicing.service_layer.context import seller_of

DAY = date(2026, 3, 16)
SELLER = seller_of(InvoicingSettings())
CLIENT_DOC = {"id": "c1", "kind": "company", "name": "Théâtre de la Lune SRL", "vat_number": "BE0765432146",
              "enterprise_number": "0765432146", "peppol_id": "0208:0765432146", "language": "fr",
              "address": {"street": "Avenue des Arts 7", "postal_code": "4000", "city": "Liège", "country": "BE"}}
CLIENT = CompanyClient("Théâtre de la Lune SRL", Address("Avenue des Arts 7", "Liège", "BE", "4000"),
                       vat_number="BE0765432146")
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=4)
rates = st.sampled_from(["21", "12", "6", "0"])
line_inputs = st.lists(st.tuples(quantities, prices, rates), min_size=1, max_size=30)


def half_up_cents(euros: Fraction) -> int:
    """Independent rounding: half-up to the cent on exact fractions (amounts are not negative)."""
    return floor(euros * 100 + Fraction(1, 2))


def reference(items: list[tuple[Decimal, Decimal, str]]) -> dict[str, Any]:
    nets = [half_up_cents(Fraction(q) * Fraction(p)) for q, p, _ in items]
    taxable: dict[int, int] = {}
    for (_, _, rate), net in zip(items, nets, strict=True):
        taxable[int(rate)] = taxable.get(int(rate), 0) + net
    vat = {rate: half_up_cents(Fraction(amount, 100) * rate / 100) for rate, amount in taxable.items()}
    excl, vat_total = sum(nets), sum(vat.values())
    return {"nets": nets, "taxable": taxable, "vat": vat, "excl": excl, "vat_total": vat_total,
            "incl": excl + vat_total}


def cents(amount: Decimal) -> int:
    assert amount.as_tuple().exponent == -2, f"{amount} is not written in cents"
    return int(amount * 100)


def stored(invoice: Invoice) -> dict[str, Any]:
    """The document the repository keeps, as the issue use case writes it."""
    return {"_id": invoice.id, "kind": "invoice", "client": CLIENT_DOC, "regime": regime_to_doc(invoice.regime),
            "lines": [line_to_doc(line) for line in invoice.lines], "totals": totals_to_doc(invoice.totals),
            "number": str(invoice.number), "issue_date": DAY.isoformat(), "payment_term_days": 30,
            "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
            "structured_communication": invoice.structured_communication, "activity_name": "Atelier"}


@settings(max_examples=150, deadline=None)
@given(line_inputs)
def test_line_totals_vat_per_rate_and_grand_total_are_exact_and_consistent(
        items: list[tuple[Decimal, Decimal, str]]) -> None:
    regime = VatRegime(VatTreatment.NORMAL)
    lines = build_lines([LineInput("Work", q, "HUR", p, Decimal(r)) for q, p, r in items], regime, DAY)
    invoice = Invoice(invoice_id="i1", activity_id="a1", client=CLIENT, regime=regime, lines=lines)
    invoice.issue(InvoiceNumber(2026, 1), DAY)
    expected = reference(items)
    totals = invoice.totals

    # Lines: quantity × unit price, half-up to the cent.
    assert [cents(line.net_amount) for line in lines] == expected["nets"]
    # VAT once per rate on the rate's total, half-up to the cent.
    assert {int(b.rate): (cents(b.taxable_amount), cents(b.vat_amount)) for b in totals.breakdown} == {
        rate: (expected["taxable"][rate], expected["vat"][rate]) for rate in expected["taxable"]}
    # Grand totals add up exactly.
    assert (cents(totals.total_excl_vat), cents(totals.vat_total), cents(totals.total_incl_vat)) == (
        expected["excl"], expected["vat_total"], expected["incl"])
    assert totals.total_excl_vat == sum(b.taxable_amount for b in totals.breakdown)
    assert totals.total_incl_vat == totals.total_excl_vat + totals.vat_total == totals.amount_due
    # The contribution and the activity's share split the amount excl. VAT exactly.
    assert invoice.contribution + (totals.total_excl_vat - invoice.contribution) == totals.total_excl_vat
    assert cents(invoice.contribution) == half_up_cents(Fraction(expected["excl"], 100) * Fraction(65, 1000))

    # The legal document recomputes the same figures (its model refuses any disagreement)...
    document, routable = invoice_document(stored(invoice), SELLER)
    assert routable
    assert (document.totals.tax_exclusive, document.totals.tax_amount, document.totals.payable) == (
        totals.total_excl_vat, totals.vat_total, totals.amount_due)
    # ...and the UBL says them: the lines add up to the header amounts.
    root = etree.fromstring(render_ubl(document))
    line_sum = sum(Decimal(e.text) for e in root.findall("cac:InvoiceLine/cbc:LineExtensionAmount", NS))
    subtotal_vat = sum(Decimal(e.text) for e in root.findall("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", NS))
    assert line_sum == Decimal(root.find("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", NS).text)
    assert subtotal_vat == Decimal(root.find("cac:TaxTotal/cbc:TaxAmount", NS).text) == totals.vat_total
    assert Decimal(root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS).text) == totals.amount_due


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=20))
def test_reverse_charge_invoices_carry_no_vat(items: list[tuple[Decimal, Decimal]]) -> None:
    regime = VatRegime(VatTreatment.REVERSE_CHARGE)
    lines = build_lines([LineInput("Work", q, "DAY", p, None) for q, p in items], regime, DAY)
    nets = [half_up_cents(Fraction(q) * Fraction(p)) for q, p in items]
    totals = Invoice(invoice_id="i", activity_id="a", regime=regime, lines=lines, client=CompanyClient(
        "Studio Noord B.V.", Address("Keizersgracht 100", "Amsterdam", "NL", "1015 AA"),
        vat_number="NL000099998B57")).totals
    assert (cents(totals.total_excl_vat), cents(totals.vat_total)) == (sum(nets), 0)
    assert [b.category.value for b in totals.breakdown] == ["AE"]
