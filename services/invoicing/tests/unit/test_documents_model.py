"""The generators' input refuses documents the law or Peppol would refuse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.adapters.documents import samples
from invoicing.adapters.documents.model import (
    BillingReference,
    DocumentKind,
    DocumentLine,
    DocumentTotals,
    ElectronicAddress,
    Exemption,
    InvoiceDocument,
    Party,
    PaymentAccount,
    TaxSubtotal,
    VatCategory,
    compute_tax_subtotals,
    compute_totals,
    make_structured_communication,
    round_money,
)
from invoicing.adapters.documents.samples import line


@pytest.mark.parametrize("name", sorted(samples.SAMPLES))
def test_every_sample_document_is_valid(name: str) -> None:
    doc = samples.SAMPLES[name]()
    assert doc.lines
    assert doc.totals.payable == doc.totals.tax_inclusive - doc.totals.prepaid


def test_domestic_sample_totals_are_the_expected_figures() -> None:
    doc = samples.domestic_invoice()
    assert [(s.percent, s.taxable_amount, s.tax_amount) for s in doc.tax_subtotals] == [
        (Decimal("21"), Decimal("1141.50"), Decimal("239.72")),
        (Decimal("6"), Decimal("517.50"), Decimal("31.05")),
    ]
    assert doc.totals == DocumentTotals(
        line_extension=Decimal("1659.00"),
        tax_exclusive=Decimal("1659.00"),
        tax_amount=Decimal("270.77"),
        tax_inclusive=Decimal("1929.77"),
        payable=Decimal("1929.77"),
    )


def test_structured_communication_gets_its_mod97_check_digits() -> None:
    assert make_structured_communication("2026000123") == "+++202/6000/12320+++"
    # 0 mod 97 gives check digits 97, not 00.
    assert make_structured_communication("0000000097") == "+++000/0000/09797+++"
    assert samples.domestic_invoice().ogm_digits == "202600012320"


def test_vat_is_rounded_on_the_total_per_rate_not_per_line() -> None:
    # Ten lines of 0.10 at 6 %: 0.006 per line would round to 0.01 each (0.10).
    lines = tuple(line(str(i), "Carte postale", "1", "C62", "0.10", percent="6") for i in range(10))
    (subtotal,) = compute_tax_subtotals(lines)
    assert subtotal.taxable_amount == Decimal("1.00")
    assert subtotal.tax_amount == Decimal("0.06")


def test_line_amounts_round_half_up_to_the_cent() -> None:
    assert line("1", "x", "1", "C62", "0.125").net_amount == Decimal("0.13")
    assert round_money(Decimal("2.675")) == Decimal("2.68")


def _line_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "1",
        "description": "Prestation",
        "quantity": Decimal("2"),
        "unit_code": "HUR",
        "unit_price": Decimal("50.00"),
        "net_amount": Decimal("100.00"),
        "vat_category": VatCategory.STANDARD,
        "vat_percent": Decimal("21"),
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_price": 50.0}, "must be a Decimal"),
        ({"net_amount": Decimal("100.001")}, "more than 2 decimals"),
        ({"net_amount": Decimal("99.99")}, "quantity x unit price"),
        ({"unit_price": Decimal("-1"), "net_amount": Decimal("-2.00")}, "must not be negative"),
        ({"vat_category": VatCategory.EXEMPT}, "must have a 0 % rate"),
        ({"vat_percent": Decimal("0")}, "positive rate"),
        ({"description": "  "}, "must not be blank"),
        ({"unit_code": "hours"}, "bad unit code"),
        ({"vat_category": "S"}, "must be a VatCategory"),
    ],
)
def test_a_line_refuses_inconsistent_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DocumentLine(**_line_fields(**changes))


def test_tax_subtotal_checks_rounding_and_exemption_rules() -> None:
    with pytest.raises(ValueError, match=r"expected 21\.00"):
        TaxSubtotal(
            category=VatCategory.STANDARD,
            percent=Decimal("21"),
            taxable_amount=Decimal("100.00"),
            tax_amount=Decimal("20.99"),
        )
    with pytest.raises(ValueError, match="must not have an exemption reason"):
        TaxSubtotal(
            category=VatCategory.STANDARD,
            percent=Decimal("21"),
            taxable_amount=Decimal("100.00"),
            tax_amount=Decimal("21.00"),
            exemption=samples.REVERSE_CHARGE,
        )
    with pytest.raises(ValueError, match="needs an exemption reason"):
        compute_tax_subtotals([line("1", "Cours", "1", "HUR", "50", VatCategory.EXEMPT, "0")])


@pytest.mark.parametrize(
    ("party_changes", "message"),
    [
        ({"vat_id": "BE0123456748"}, "not a valid VAT id"),
        ({"vat_id": "be0123456749"}, "not a valid VAT id"),
        ({"enterprise_number": "0123456748"}, "bad enterprise number"),
        ({"country_code": "Belgium"}, "bad country code"),
        ({"email": "nobody"}, "bad e-mail"),
    ],
)
def test_a_party_refuses_bad_identifiers(party_changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(samples.SELLER, **party_changes)


def test_identifiers_are_checksum_validated() -> None:
    with pytest.raises(ValueError, match="enterprise number"):
        ElectronicAddress(scheme="0208", identifier="0123456748")
    with pytest.raises(ValueError, match="4 digits"):
        ElectronicAddress(scheme="BE", identifier="0123456749")
    with pytest.raises(ValueError, match="not a valid IBAN"):
        PaymentAccount(iban="BE71096123456760")
    with pytest.raises(ValueError, match="compact form"):
        PaymentAccount(iban="BE71 0961 2345 6769")
    with pytest.raises(ValueError, match="bad BIC"):
        PaymentAccount(iban="BE71096123456769", bic="GKCC")
    # Non-EU VAT ids (exports) only need their ISO country prefix.
    assert replace(samples.SWISS_BUYER, vat_id="CHE123456788").vat_id == "CHE123456788"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"structured_communication": "+++202/6000/12321+++"}, "bad structured communication"),
        ({"structured_communication": "202600012320"}, "bad structured communication"),
        ({"buyer_reference": None}, "buyer reference or an order reference"),
        ({"due_date": None}, "needs a due date"),
        ({"due_date": date(2026, 3, 1)}, "before issue date"),
        ({"number": ""}, "must not be blank"),
        ({"notes": ("",)}, "must not be blank"),
        ({"language": "de"}, "unsupported language"),
        ({"kind": "invoice"}, "must be a DocumentKind"),
    ],
)
def test_an_invoice_refuses_inconsistent_headers(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(samples.domestic_invoice(), **changes)


def test_totals_and_vat_breakdown_must_match_the_lines() -> None:
    doc = samples.domestic_invoice()
    with pytest.raises(ValueError, match="tax subtotals do not match"):
        replace(doc, tax_subtotals=doc.tax_subtotals[:1])
    wrong = replace(
        doc.totals, tax_amount=Decimal("270.78"), tax_inclusive=Decimal("1929.78"), payable=Decimal("1929.78")
    )
    with pytest.raises(ValueError, match="totals do not match"):
        replace(doc, totals=wrong)
    with pytest.raises(ValueError, match="payable"):
        replace(doc.totals, payable=Decimal("1.00"))


def test_reverse_charge_needs_the_buyers_vat_id() -> None:
    doc = samples.reverse_charge_invoice()
    with pytest.raises(ValueError, match="buyer's VAT id"):
        replace(doc, buyer=replace(doc.buyer, vat_id=None))


def test_seller_vat_id_is_required_unless_not_subject_to_vat() -> None:
    without_vat = replace(samples.SELLER, vat_id=None)
    with pytest.raises(ValueError, match="seller's VAT id"):
        replace(samples.domestic_invoice(), seller=without_vat)
    assert replace(samples.not_subject_invoice(), seller=without_vat).seller.vat_id is None


def test_not_subject_to_vat_cannot_be_mixed_with_other_categories() -> None:
    lines = (
        line("1", "Débours", "1", "C62", "10.00", VatCategory.NOT_SUBJECT, "0"),
        line("2", "Prestation", "1", "HUR", "10.00"),
    )
    with pytest.raises(ValueError, match="category O cannot be combined"):
        samples.document(
            number="X-1",
            buyer=samples.DOMESTIC_BUYER,
            lines=lines,
            ogm_base="0000000001",
            exemption=samples.OUT_OF_SCOPE,
        )


def test_credit_note_rules() -> None:
    note = samples.credit_note()
    assert note.kind is DocumentKind.CREDIT_NOTE
    with pytest.raises(ValueError, match="must reference the invoice"):
        replace(note, billing_reference=None)
    with pytest.raises(ValueError, match="no due date"):
        replace(note, due_date=date(2026, 4, 1))
    with pytest.raises(ValueError, match="needs payment_terms"):
        replace(note, payment_terms=None)
    assert replace(note, billing_reference=BillingReference(number="2026-000123")).billing_reference


def test_lines_must_be_present_and_uniquely_numbered() -> None:
    doc = samples.domestic_invoice()
    twice = (doc.lines[0], replace(doc.lines[1], id=doc.lines[0].id))
    with pytest.raises(ValueError, match="unique"):
        samples.document(number="X-2", buyer=samples.DOMESTIC_BUYER, lines=twice, ogm_base="0000000002")
    with pytest.raises(ValueError, match="at least one line"):
        replace(doc, lines=(), tax_subtotals=(), totals=compute_totals((), ()))


_RATES = st.sampled_from([("S", "21"), ("S", "12"), ("S", "6"), ("Z", "0")])
_LINES = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("-5"), max_value=Decimal("500"), places=2).filter(lambda q: q != 0),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=3),
        _RATES,
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(raw_lines=_LINES, prepaid=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2))
def test_computed_breakdown_and_totals_always_form_a_valid_document(
    raw_lines: list[tuple[Decimal, Decimal, tuple[str, str]]], prepaid: Decimal
) -> None:
    lines = tuple(
        line(str(i), "Prestation", str(qty), "HUR", str(price), VatCategory(cat), pct)
        for i, (qty, price, (cat, pct)) in enumerate(raw_lines, start=1)
    )
    subtotals = compute_tax_subtotals(lines)
    totals = compute_totals(lines, subtotals, prepaid=prepaid)
    doc = InvoiceDocument(
        kind=DocumentKind.INVOICE,
        number="2026-000001",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        seller=samples.SELLER,
        buyer=samples.DOMESTIC_BUYER,
        payee_account=samples.PAYEE_ACCOUNT,
        structured_communication=make_structured_communication("2026000001"),
        lines=lines,
        tax_subtotals=subtotals,
        totals=totals,
        buyer_reference="REF",
    )
    for subtotal in doc.tax_subtotals:
        same_rate = [x.net_amount for x in lines if (x.vat_category, x.vat_percent) == subtotal.key]
        assert subtotal.taxable_amount == sum(same_rate, Decimal(0))
        assert subtotal.tax_amount == round_money(subtotal.taxable_amount * subtotal.percent / 100)
    assert doc.totals.tax_inclusive == doc.totals.line_extension + doc.totals.tax_amount
    assert len({s.key for s in subtotals}) == len(subtotals)


def test_exemption_code_must_be_a_vatex_code() -> None:
    with pytest.raises(ValueError, match="VATEX"):
        Exemption(reason="Exonéré", code="132")


def test_party_without_optional_fields_is_allowed() -> None:
    private = Party(name="Jeanne Martin", street="Rue Haute 5", city="Namur", postal_code="5000", country_code="BE")
    assert private.electronic_address is None
