"""Peppol BIS Billing 3.0 e-invoice (UBL 2.1 Invoice or CreditNote).

Elements are appended in the order of the UBL 2.1 schema sequences: the schema
check rejects any other order, so each builder below follows its XSD type
(InvoiceType / CreditNoteType, PartyType, TaxCategoryType, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from coop_shared.http.text import strip_xml_invalid
from invoicing.adapters.documents.model import (
    CENT,
    DocumentKind,
    DocumentLine,
    InvoiceDocument,
    Party,
    TaxSubtotal,
    VatCategory,
)

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CREDIT_TRANSFER = "30"  # UNCL 4461 payment means code
BELGIAN_ENTERPRISE_SCHEME = "0208"  # ISO 6523 ICD of the BCE/KBO number

# lxml ships no type information; elements are handled as Any.
_Element = Any


@dataclass(frozen=True, slots=True)
class _Syntax:
    """What differs between the Invoice and the CreditNote schemas."""

    namespace: str
    root: str
    type_code: str
    line: str
    quantity: str


_SYNTAX = {
    DocumentKind.INVOICE: _Syntax(INVOICE_NS, "Invoice", "InvoiceTypeCode", "InvoiceLine", "InvoicedQuantity"),
    DocumentKind.CREDIT_NOTE: _Syntax(
        CREDIT_NOTE_NS, "CreditNote", "CreditNoteTypeCode", "CreditNoteLine", "CreditedQuantity"
    ),
}


def render_ubl(doc: InvoiceDocument) -> bytes:
    """Serialize `doc` as a UTF-8 Peppol BIS 3.0 UBL document.

    Raises ValueError when the seller or the buyer has no Peppol electronic
    address (a private client cannot receive an e-invoice).
    """
    for role, party in (("seller", doc.seller), ("buyer", doc.buyer)):
        if party.electronic_address is None:
            raise ValueError(f"the {role} has no Peppol electronic address")
    syntax = _SYNTAX[doc.kind]
    root = etree.Element(f"{{{syntax.namespace}}}{syntax.root}", nsmap={None: syntax.namespace, "cac": CAC, "cbc": CBC})
    _add_header(root, doc, syntax)
    _add_references(root, doc)
    # EN 16931 BR-O-02: "not subject to VAT" documents carry no VAT ids at all.
    with_vat_ids = doc.categories != {VatCategory.NOT_SUBJECT}
    _add_party(_cac(root, "AccountingSupplierParty"), doc.seller, with_vat_ids)
    _add_party(_cac(root, "AccountingCustomerParty"), doc.buyer, with_vat_ids)
    if doc.supply_date is not None:  # BT-72: the day of supply that set the VAT rate
        _cbc(_cac(root, "Delivery"), "ActualDeliveryDate", _date(doc.supply_date))
    _add_payment(root, doc)
    _add_tax_total(root, doc)
    _add_monetary_total(root, doc)
    for line in doc.lines:
        _add_line(root, line, doc.currency, syntax)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _cac(parent: _Element, name: str) -> _Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _cbc(parent: _Element, tag: str, text: str, /, **attributes: str) -> _Element:
    # The API refuses XML-invalid characters; text stored before that rule may
    # still hold some. XML 1.0 cannot carry them even as references, so they are
    # dropped (they are invisible in the PDF too): an issued invoice's e-invoice
    # must always be produced.
    element = etree.SubElement(parent, f"{{{CBC}}}{tag}",
                               {name: strip_xml_invalid(value) for name, value in attributes.items()})
    element.text = strip_xml_invalid(text)
    return element


def _money(parent: _Element, name: str, amount: Decimal, currency: str) -> None:
    # The model guarantees at most 2 decimals; EN 16931 BR-DEC wants at most 2.
    _cbc(parent, name, f"{amount:.2f}", currencyID=currency)


def _decimal(value: Decimal) -> str:
    """Plain notation (xsd:decimal has no exponent), no trailing zeros: 21, 0.5."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def _date(value: date) -> str:
    return value.isoformat()


def _add_header(root: _Element, doc: InvoiceDocument, syntax: _Syntax) -> None:
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", _date(doc.issue_date))
    if doc.due_date is not None:  # only invoices have one (the model enforces it)
        _cbc(root, "DueDate", _date(doc.due_date))
    _cbc(root, syntax.type_code, doc.kind.type_code)
    if doc.notes:
        # Peppol allows a single document note (PEPPOL-EN16931-R002).
        _cbc(root, "Note", "\n".join(doc.notes))
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.buyer_reference is not None:
        _cbc(root, "BuyerReference", doc.buyer_reference)
    if doc.period is not None:  # BT-73 / BT-74: the supply period, the tax point of the services
        _add_period(root, doc.period.start, doc.period.end)


def _add_period(parent: _Element, start: date, end: date) -> None:
    period = _cac(parent, "InvoicePeriod")
    _cbc(period, "StartDate", _date(start))
    _cbc(period, "EndDate", _date(end))


def _add_references(root: _Element, doc: InvoiceDocument) -> None:
    if doc.order_reference is not None:
        _cbc(_cac(root, "OrderReference"), "ID", doc.order_reference)
    if doc.billing_reference is not None:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", doc.billing_reference.number)
        if doc.billing_reference.issue_date is not None:
            _cbc(reference, "IssueDate", _date(doc.billing_reference.issue_date))


def _add_party(role: _Element, party: Party, with_vat_id: bool) -> None:
    node = _cac(role, "Party")
    address = party.electronic_address
    if address is not None:
        _cbc(node, "EndpointID", address.identifier, schemeID=address.scheme)
    _add_address(_cac(node, "PostalAddress"), party)
    if with_vat_id and party.vat_id is not None:
        tax_scheme = _cac(node, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.enterprise_number is not None:
        _cbc(legal, "CompanyID", party.enterprise_number, schemeID=BELGIAN_ENTERPRISE_SCHEME)
    if party.email is not None:
        _cbc(_cac(node, "Contact"), "ElectronicMail", party.email)


def _add_address(address: _Element, party: Party) -> None:
    _cbc(address, "StreetName", party.street)
    _cbc(address, "CityName", party.city)
    _cbc(address, "PostalZone", party.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country_code)


def _add_payment(root: _Element, doc: InvoiceDocument) -> None:
    # A credit note is not paid by the client to the cooperative: no payment
    # instructions, only the settlement terms.
    if doc.kind is DocumentKind.INVOICE:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER, name="Credit transfer")
        _cbc(means, "PaymentID", doc.structured_communication)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", doc.payee_account.iban)
        if doc.payee_account.bic is not None:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", doc.payee_account.bic)
    if doc.payment_terms is not None:
        _cbc(_cac(root, "PaymentTerms"), "Note", doc.payment_terms)


def _add_tax_total(root: _Element, doc: InvoiceDocument) -> None:
    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", doc.totals.tax_amount, doc.currency)
    for subtotal in doc.tax_subtotals:
        _add_tax_subtotal(tax_total, subtotal, doc.currency)


def _add_tax_subtotal(tax_total: _Element, subtotal: TaxSubtotal, currency: str) -> None:
    node = _cac(tax_total, "TaxSubtotal")
    _money(node, "TaxableAmount", subtotal.taxable_amount, currency)
    _money(node, "TaxAmount", subtotal.tax_amount, currency)
    category = _cac(node, "TaxCategory")
    _cbc(category, "ID", subtotal.category.value)
    if subtotal.category is not VatCategory.NOT_SUBJECT:  # O has no rate (BR-O-05)
        _cbc(category, "Percent", _decimal(subtotal.percent))
    if subtotal.exemption is not None:
        if subtotal.exemption.code is not None:
            _cbc(category, "TaxExemptionReasonCode", subtotal.exemption.code)
        _cbc(category, "TaxExemptionReason", subtotal.exemption.reason)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _add_monetary_total(root: _Element, doc: InvoiceDocument) -> None:
    node = _cac(root, "LegalMonetaryTotal")
    totals = doc.totals
    _money(node, "LineExtensionAmount", totals.line_extension, doc.currency)
    _money(node, "TaxExclusiveAmount", totals.tax_exclusive, doc.currency)
    _money(node, "TaxInclusiveAmount", totals.tax_inclusive, doc.currency)
    if totals.prepaid:
        _money(node, "PrepaidAmount", totals.prepaid, doc.currency)
    _money(node, "PayableAmount", totals.payable, doc.currency)


def _add_line(root: _Element, line: DocumentLine, currency: str, syntax: _Syntax) -> None:
    node = _cac(root, syntax.line)
    _cbc(node, "ID", line.id)
    _cbc(node, syntax.quantity, _decimal(line.quantity), unitCode=line.unit_code)
    _money(node, "LineExtensionAmount", line.net_amount, currency)
    if line.supply_date is not None:  # BT-134 / BT-135: this line's own day of supply
        _add_period(node, line.supply_date, line.supply_date)
    item = _cac(node, "Item")
    _cbc(item, "Name", line.description)
    category = _cac(item, "ClassifiedTaxCategory")
    _cbc(category, "ID", line.vat_category.value)
    if line.vat_category is not VatCategory.NOT_SUBJECT:
        _cbc(category, "Percent", _decimal(line.vat_percent))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    _cbc(_cac(node, "Price"), "PriceAmount", _price(line.unit_price), currencyID=currency)


def _price(value: Decimal) -> str:
    """Unit prices may be finer than the cent (BT-146): keep them, but show at least 2 decimals."""
    exponent = value.as_tuple().exponent
    precise = isinstance(exponent, int) and exponent < -2
    return format(value if precise else value.quantize(CENT), "f")
