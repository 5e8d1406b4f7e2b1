"""Structure of the Peppol UBL output (the official validator runs in integration)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from lxml import etree

from invoicing.adapters.documents import samples
from invoicing.adapters.documents.ubl import CUSTOMIZATION_ID, PROFILE_ID, render_ubl

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _parse(xml: bytes) -> Any:
    return etree.fromstring(xml)


def _text(root: Any, path: str) -> str:
    values = root.xpath(f"{path}/text()", namespaces=NS)
    assert len(values) == 1, f"{path}: {values}"
    return str(values[0])


def _children(node: Any) -> list[str]:
    return [etree.QName(child).localname for child in node]


def test_invoice_header_and_top_level_order_follow_ubl_2_1() -> None:
    root = _parse(render_ubl(samples.domestic_invoice()))
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert _children(root) == [
        "CustomizationID",
        "ProfileID",
        "ID",
        "IssueDate",
        "DueDate",
        "InvoiceTypeCode",
        "Note",
        "DocumentCurrencyCode",
        "BuyerReference",
        "AccountingSupplierParty",
        "AccountingCustomerParty",
        "PaymentMeans",
        "PaymentTerms",
        "TaxTotal",
        "LegalMonetaryTotal",
        *["InvoiceLine"] * 4,
    ]
    assert _text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert _text(root, "cbc:ProfileID") == PROFILE_ID
    assert _text(root, "cbc:InvoiceTypeCode") == "380"
    assert _text(root, "cbc:ID") == "2026-000123"
    assert _text(root, "cbc:IssueDate") == "2026-03-16"
    assert _text(root, "cbc:DueDate") == "2026-04-15"
    assert _text(root, "cbc:DocumentCurrencyCode") == "EUR"


def test_both_parties_have_an_electronic_address_and_identifiers() -> None:
    root = _parse(render_ubl(samples.domestic_invoice()))
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert _children(seller) == ["EndpointID", "PostalAddress", "PartyTaxScheme", "PartyLegalEntity", "Contact"]
    endpoint = seller.find("cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0208", "0123456749")
    assert _text(seller, "cac:PartyTaxScheme/cbc:CompanyID") == "BE0123456749"
    assert _text(seller, "cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0208']") == "0123456749"
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(buyer, "cbc:EndpointID[@schemeID='0208']") == "0765432146"
    assert _text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == "Théâtre de la Lune SRL"


def test_payment_means_is_a_credit_transfer_with_the_ogm() -> None:
    root = _parse(render_ubl(samples.domestic_invoice()))
    means = root.find("cac:PaymentMeans", NS)
    assert _children(means) == ["PaymentMeansCode", "PaymentID", "PayeeFinancialAccount"]
    assert _text(means, "cbc:PaymentMeansCode") == "30"
    assert _text(means, "cbc:PaymentID") == "+++202/6000/12320+++"
    assert _text(means, "cac:PayeeFinancialAccount/cbc:ID") == "BE71096123456769"
    assert _text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "GKCCBEBB"


def test_tax_total_has_one_subtotal_per_rate() -> None:
    root = _parse(render_ubl(samples.domestic_invoice()))
    assert _text(root, "cac:TaxTotal/cbc:TaxAmount") == "270.77"
    subtotals = [
        (
            _text(s, "cac:TaxCategory/cbc:ID"),
            _text(s, "cac:TaxCategory/cbc:Percent"),
            _text(s, "cbc:TaxableAmount"),
            _text(s, "cbc:TaxAmount"),
        )
        for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    assert subtotals == [("S", "21", "1141.50", "239.72"), ("S", "6", "517.50", "31.05")]
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert [(etree.QName(c).localname, c.text) for c in totals] == [
        ("LineExtensionAmount", "1659.00"),
        ("TaxExclusiveAmount", "1659.00"),
        ("TaxInclusiveAmount", "1929.77"),
        ("PayableAmount", "1929.77"),
    ]


def test_lines_carry_quantity_unit_price_and_vat_category() -> None:
    root = _parse(render_ubl(samples.domestic_invoice()))
    last = root.findall("cac:InvoiceLine", NS)[-1]
    assert _children(last) == ["ID", "InvoicedQuantity", "LineExtensionAmount", "Item", "Price"]
    assert last.find("cbc:InvoicedQuantity", NS).get("unitCode") == "C62"
    assert _text(last, "cbc:InvoicedQuantity") == "40"
    assert _text(last, "cbc:LineExtensionAmount") == "165.00"
    assert _text(last, "cac:Item/cbc:Name") == "Programme illustré"
    assert _text(last, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "6"
    # A price finer than the cent is kept as is (40 x 4.125 = 165.00).
    assert _text(last, "cac:Price/cbc:PriceAmount") == "4.125"


@pytest.mark.parametrize("name", sorted(samples.SAMPLES))
def test_every_amount_has_two_decimals_and_the_document_currency(name: str) -> None:
    root = _parse(render_ubl(samples.SAMPLES[name]()))
    amounts = root.xpath("//*[@currencyID][not(self::cbc:PriceAmount)]", namespaces=NS)
    assert amounts
    for amount in amounts:
        assert re.fullmatch(r"-?\d+\.\d{2}", amount.text), (amount.tag, amount.text)
        assert amount.get("currencyID") == "EUR"
    for price in root.xpath("//cbc:PriceAmount", namespaces=NS):
        assert re.fullmatch(r"\d+\.\d{2,}", price.text)


def test_reverse_charge_carries_reason_and_both_vat_ids() -> None:
    root = _parse(render_ubl(samples.reverse_charge_invoice()))
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert _children(category) == ["ID", "Percent", "TaxExemptionReasonCode", "TaxExemptionReason", "TaxScheme"]
    assert _text(category, "cbc:ID") == "AE"
    assert _text(category, "cbc:Percent") == "0"
    assert _text(category, "cbc:TaxExemptionReasonCode") == "VATEX-EU-AE"
    assert _text(category, "cbc:TaxExemptionReason").startswith("Autoliquidation")
    assert _text(root, "cac:TaxTotal/cbc:TaxAmount") == "0.00"
    assert _text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == "NL000099998B57"
    assert _text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == "BE0123456749"
    # No buyer reference on this one: the order reference routes it.
    assert root.find("cbc:BuyerReference", NS) is None
    assert _text(root, "cac:OrderReference/cbc:ID") == "SN-2026-17"


def test_credit_note_references_the_invoice_and_has_no_payment_means() -> None:
    root = _parse(render_ubl(samples.credit_note()))
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert _children(root)[:9] == [
        "CustomizationID",
        "ProfileID",
        "ID",
        "IssueDate",
        "CreditNoteTypeCode",
        "Note",
        "DocumentCurrencyCode",
        "BuyerReference",
        "BillingReference",
    ]
    assert _text(root, "cbc:CreditNoteTypeCode") == "381"
    assert _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "2026-000123"
    assert _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == "2026-03-16"
    assert root.find("cac:PaymentMeans", NS) is None
    assert _text(root, "cac:PaymentTerms/cbc:Note").startswith("Montant déduit")
    line = root.find("cac:CreditNoteLine", NS)
    assert _text(line, "cbc:CreditedQuantity") == "3"


def test_not_subject_to_vat_has_no_vat_ids_and_no_rate() -> None:
    root = _parse(render_ubl(samples.not_subject_invoice()))
    assert root.xpath("//cac:PartyTaxScheme", namespaces=NS) == []
    assert root.xpath("//cac:TaxCategory/cbc:Percent | //cac:ClassifiedTaxCategory/cbc:Percent", namespaces=NS) == []
    assert _text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "O"


def test_prepaid_amount_is_written_when_a_deposit_was_paid() -> None:
    root = _parse(render_ubl(samples.zero_rated_prepaid_invoice()))
    assert _text(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount") == "300.00"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "716.00"


def test_output_is_utf8_xml_with_declaration() -> None:
    xml = render_ubl(samples.domestic_invoice())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Coopérative Partagée SC".encode() in xml


def test_a_party_without_peppol_address_cannot_receive_an_e_invoice() -> None:
    doc = samples.domestic_invoice()
    with pytest.raises(ValueError, match="buyer has no Peppol electronic address"):
        render_ubl(replace(doc, buyer=replace(doc.buyer, electronic_address=None)))


def test_text_stored_with_xml_invalid_characters_still_renders() -> None:
    # Kept from before the API refused them: the e-invoice must still be produced.
    doc = samples.domestic_invoice()
    buyer = replace(doc.buyer, name="Client\x01 SA\x0b", street="Rue\ufffe Haute 1")
    lines = [replace(doc.lines[0], description="Design\x00 work\tand\nmore"), *doc.lines[1:]]
    root = _parse(render_ubl(replace(doc, buyer=buyer, lines=lines)))
    names = root.xpath("cac:AccountingCustomerParty//cbc:RegistrationName/text()", namespaces=NS)
    assert names == ["Client SA"]
    assert "Design work\tand\nmore" in root.xpath("//text()")  # tab and line breaks are kept
    assert "Rue Haute 1" in root.xpath("//cac:AccountingCustomerParty//cbc:StreetName/text()", namespaces=NS)
