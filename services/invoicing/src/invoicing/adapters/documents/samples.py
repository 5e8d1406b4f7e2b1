"""Realistic example documents, one per VAT situation the cooperative meets.

Used to preview the generators' output and as fixtures by the tests (which may
not share a conftest). Names, numbers and accounts are fictitious but pass
every checksum (enterprise numbers, VAT ids, IBAN, OGM).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from invoicing.adapters.documents.model import (
    ZERO,
    BillingReference,
    DocumentKind,
    DocumentLine,
    ElectronicAddress,
    Exemption,
    InvoiceDocument,
    Language,
    Party,
    PaymentAccount,
    VatCategory,
    compute_tax_subtotals,
    compute_totals,
    make_structured_communication,
    round_money,
)

ISSUE_DATE = date(2026, 3, 16)
SELLER = Party(
    name="Coopérative Partagée SC",
    street="Rue de la Coopération 12",
    city="Bruxelles",
    postal_code="1000",
    country_code="BE",
    vat_id="BE0123456749",
    enterprise_number="0123456749",
    electronic_address=ElectronicAddress(scheme="0208", identifier="0123456749"),
    email="facturation@coop-partagee.example",
)
PAYEE_ACCOUNT = PaymentAccount(iban="BE71096123456769", bic="GKCCBEBB")
LEGAL_MENTIONS = (
    "Coopérative Partagée SC – RPM Bruxelles – BCE 0123.456.749.",
    "Facture émise pour l'activité « Atelier Sonore » de Camille Dupont.",
)

DOMESTIC_BUYER = Party(
    name="Théâtre de la Lune SRL",
    street="Avenue des Arts 7",
    city="Liège",
    postal_code="4000",
    country_code="BE",
    vat_id="BE0765432146",
    enterprise_number="0765432146",
    electronic_address=ElectronicAddress(scheme="0208", identifier="0765432146"),
    email="compta@theatre-lune.example",
)
DUTCH_BUYER = Party(
    name="Studio Noord B.V.",
    street="Keizersgracht 100",
    city="Amsterdam",
    postal_code="1015 AA",
    country_code="NL",
    vat_id="NL000099998B57",
    electronic_address=ElectronicAddress(scheme="9944", identifier="NL000099998B57"),
    email="finance@studionoord.example",
)
TRAINING_BUYER = Party(
    name="Haute École des Arts ASBL",
    street="Rue du Savoir 3",
    city="Namur",
    postal_code="5000",
    country_code="BE",
    vat_id="BE0812345603",
    enterprise_number="0812345603",
    electronic_address=ElectronicAddress(scheme="0208", identifier="0812345603"),
)
SWISS_BUYER = Party(
    name="Festival Klang GmbH",
    street="Bahnhofstrasse 1",
    city="Zürich",
    postal_code="8001",
    country_code="CH",
    electronic_address=ElectronicAddress(scheme="9927", identifier="CHE123456788"),
)

REVERSE_CHARGE = Exemption(reason="Autoliquidation – article 196 de la directive 2006/112/CE", code="VATEX-EU-AE")
EDUCATION_EXEMPTION = Exemption(
    reason="Exemption de TVA – article 44, § 2, 4° du Code de la TVA", code="VATEX-EU-132-1I"
)
EXPORT_EXEMPTION = Exemption(reason="Exportation hors UE – article 39, § 1er du Code de la TVA", code="VATEX-EU-G")
OUT_OF_SCOPE = Exemption(reason="Débours – hors du champ d'application de la TVA", code="VATEX-EU-O")


def line(
    line_id: str,
    description: str,
    quantity: str,
    unit_code: str,
    unit_price: str,
    category: VatCategory = VatCategory.STANDARD,
    percent: str = "21",
) -> DocumentLine:
    """A line whose net amount is computed the legal way (half-up to the cent)."""
    return DocumentLine(
        id=line_id,
        description=description,
        quantity=Decimal(quantity),
        unit_code=unit_code,
        unit_price=Decimal(unit_price),
        net_amount=round_money(Decimal(quantity) * Decimal(unit_price)),
        vat_category=category,
        vat_percent=Decimal(percent),
    )


def document(
    *,
    number: str,
    buyer: Party,
    lines: tuple[DocumentLine, ...],
    ogm_base: str,
    exemption: Exemption | None = None,
    kind: DocumentKind = DocumentKind.INVOICE,
    prepaid: Decimal = ZERO,
    buyer_reference: str | None = "PO-4521",
    order_reference: str | None = None,
    billing_reference: BillingReference | None = None,
    payment_terms: str | None = "Paiement à 30 jours.",
    language: Language = "fr",
) -> InvoiceDocument:
    """Assemble a document; VAT breakdown and totals are computed from the lines."""
    exemptions = {item.vat_category: exemption for item in lines if exemption is not None}
    subtotals = compute_tax_subtotals(lines, exemptions)
    is_invoice = kind is DocumentKind.INVOICE
    return InvoiceDocument(
        kind=kind,
        number=number,
        issue_date=ISSUE_DATE,
        due_date=ISSUE_DATE + timedelta(days=30) if is_invoice else None,
        seller=SELLER,
        buyer=buyer,
        payee_account=PAYEE_ACCOUNT,
        structured_communication=make_structured_communication(ogm_base),
        lines=lines,
        tax_subtotals=subtotals,
        totals=compute_totals(lines, subtotals, prepaid=prepaid),
        buyer_reference=buyer_reference,
        order_reference=order_reference,
        billing_reference=billing_reference,
        payment_terms=payment_terms,
        notes=LEGAL_MENTIONS,
        language=language,
    )


def domestic_invoice() -> InvoiceDocument:
    """Belgian B2B invoice, lines at 21 % and 6 %."""
    return document(
        number="2026-000123",
        buyer=DOMESTIC_BUYER,
        ogm_base="2026000123",
        lines=(
            line("1", "Création sonore du spectacle « Lune »", "12", "HUR", "65.00"),
            line("2", "Location de matériel son", "3", "DAY", "120.50"),
            line("3", "Livrets du spectacle (imprimés)", "150", "C62", "2.35", percent="6"),
            line("4", "Programme illustré", "40", "C62", "4.125", percent="6"),
        ),
    )


def reverse_charge_invoice() -> InvoiceDocument:
    """Services to a Dutch company: the client self-assesses the VAT."""
    return document(
        number="2026-000124",
        buyer=DUTCH_BUYER,
        lines=(
            line("1", "Sound design for the exhibition 'Noord'", "5", "DAY", "480.00", VatCategory.REVERSE_CHARGE, "0"),
            line("2", "Mixing and mastering", "6", "HUR", "75.00", VatCategory.REVERSE_CHARGE, "0"),
        ),
        exemption=REVERSE_CHARGE,
        ogm_base="2026000124",
        buyer_reference=None,
        order_reference="SN-2026-17",
        language="en",
    )


def exempt_invoice() -> InvoiceDocument:
    """VAT-exempt teaching (school education)."""
    return document(
        number="2026-000125",
        buyer=TRAINING_BUYER,
        lines=(line("1", "Cours de musique assistée par ordinateur", "20", "HUR", "55.00", VatCategory.EXEMPT, "0"),),
        exemption=EDUCATION_EXEMPTION,
        ogm_base="2026000125",
    )


def credit_note() -> InvoiceDocument:
    """Cancels the equipment line of the domestic invoice."""
    return document(
        number="2026-000126",
        kind=DocumentKind.CREDIT_NOTE,
        buyer=DOMESTIC_BUYER,
        lines=(line("1", "Location de matériel son (annulation)", "3", "DAY", "120.50"),),
        ogm_base="2026000126",
        billing_reference=BillingReference(number="2026-000123", issue_date=ISSUE_DATE),
        payment_terms="Montant déduit du solde de la facture 2026-000123.",
    )


def zero_rated_prepaid_invoice() -> InvoiceDocument:
    """21 % and zero-rated (0 %) lines, with a deposit already paid."""
    return document(
        number="2026-000127",
        buyer=DOMESTIC_BUYER,
        lines=(
            line("1", "Rédaction d'articles", "1", "C62", "800.00"),
            line("2", "Abonnement au journal hebdomadaire", "4", "C62", "12.00", VatCategory.ZERO_RATED, "0"),
        ),
        prepaid=Decimal("300.00"),
        ogm_base="2026000127",
        language="nl",
    )


def export_invoice() -> InvoiceDocument:
    """Goods sent to a Swiss client, outside the EU."""
    return document(
        number="2026-000128",
        buyer=SWISS_BUYER,
        lines=(line("1", "Instruments de musique fabriqués main", "2", "C62", "1450.00", VatCategory.EXPORT, "0"),),
        exemption=EXPORT_EXEMPTION,
        ogm_base="2026000128",
    )


def not_subject_invoice() -> InvoiceDocument:
    """Disbursements re-invoiced at cost, outside the scope of VAT."""
    return document(
        number="2026-000129",
        buyer=DOMESTIC_BUYER,
        lines=(
            line("1", "Frais de déplacement avancés pour le client", "1", "C62", "86.40", VatCategory.NOT_SUBJECT, "0"),
        ),
        exemption=OUT_OF_SCOPE,
        ogm_base="2026000129",
    )


SAMPLES: dict[str, Callable[[], InvoiceDocument]] = {
    "domestic-invoice": domestic_invoice,
    "reverse-charge-invoice": reverse_charge_invoice,
    "exempt-invoice": exempt_invoice,
    "credit-note": credit_note,
    "zero-rated-prepaid-invoice": zero_rated_prepaid_invoice,
    "export-invoice": export_invoice,
    "not-subject-invoice": not_subject_invoice,
}
