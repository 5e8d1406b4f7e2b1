"""A stored invoice or credit note as the generators' ``InvoiceDocument``.

The cooperative is the legal seller on every document (name, VAT and
enterprise numbers, Peppol id, bank account from the settings); the
activity that did the work is named in the document's notes. The amounts
are recomputed by the document model from the stored lines, and the model
refuses the document if they disagree with the stored totals, so a PDF or a
UBL file can never show figures the invoice does not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum.be import vat as be_vat

from coop_shared.persistence.mongo import Document
from invoicing.adapters.documents.model import (
    BillingReference,
    DocumentKind,
    DocumentLine,
    ElectronicAddress,
    Exemption,
    InvoiceDocument,
    Language,
    Party,
    PaymentAccount,
    SupplyPeriod,
    TaxSubtotal,
    VatCategory,
    compute_tax_subtotals,
    compute_totals,
    make_structured_communication,
)
from invoicing.domain.clients import EU_COUNTRIES, PeppolParticipantId
from invoicing.domain.money import round_cents
from invoicing.domain.vat import VatTreatment

# Peppol EAS codes of the member states' VAT numbers (identifier = the VAT
# number with its prefix), used for an EU company that gave no Peppol id.
VAT_EAS: dict[str, str] = {
    "AT": "9914", "BE": "9925", "BG": "9926", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931",
    "ES": "9920", "FR": "9957", "GR": "9933", "HR": "9934", "HU": "9910", "IE": "9935", "LT": "9937",
    "LU": "9938", "LV": "9939", "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947",
    "SI": "9949", "SK": "9950",
}

_ACTIVITY = {"fr": "Activité : {name}", "nl": "Activiteit: {name}", "en": "Activity: {name}"}
_REASON = {"fr": "Motif : {reason}", "nl": "Reden: {reason}", "en": "Reason: {reason}"}
_INVOICE_TERMS = {
    "fr": "Paiement à {days} jours, au plus tard le {due}, par virement avec la communication structurée {ogm}.",
    "nl": "Betaling binnen {days} dagen, uiterlijk op {due}, per overschrijving met de gestructureerde mededeling "
          "{ogm}.",
    "en": "Payment within {days} days, by {due} at the latest, by bank transfer with the structured communication "
          "{ogm}.",
}
_CREDIT_TERMS = {
    "fr": "Note de crédit annulant la facture {number} : le montant crédité est déduit de ce qui était dû.",
    "nl": "Creditnota die factuur {number} annuleert: het gecrediteerde bedrag wordt in mindering gebracht.",
    "en": "Credit note cancelling invoice {number}: the credited amount is deducted from what was due.",
}
# What the document says when no Belgian VAT is charged, with its CEF VATEX code.
_EXEMPTIONS: dict[VatTreatment, tuple[dict[str, str], str | None]] = {
    VatTreatment.REVERSE_CHARGE: ({
        "fr": "Autoliquidation – article 196 de la directive 2006/112/CE",
        "nl": "Verlegging van heffing (autoliquidation) – artikel 196 van richtlijn 2006/112/EG",
        "en": "Reverse charge (autoliquidation) – Article 196 of Directive 2006/112/EC",
    }, "VATEX-EU-AE"),
    VatTreatment.EXPORT: ({
        "fr": "Exportation de biens hors UE – exemption, article 39, § 1er du Code de la TVA",
        "nl": "Uitvoer van goederen buiten de EU – vrijstelling, artikel 39, § 1 van het Btw-wetboek",
        "en": "Export of goods outside the EU – exempt, Article 39(1) of the Belgian VAT Code",
    }, "VATEX-EU-G"),
    VatTreatment.SERVICES_OUTSIDE_EU: ({
        "fr": "Services à un assujetti établi hors UE – lieu de la prestation hors de Belgique (article 21, § 2 du "
              "Code de la TVA) : hors du champ d'application de la TVA belge",
        "nl": "Diensten aan een belastingplichtige buiten de EU – plaats van de dienst buiten België (artikel 21, "
              "§ 2 van het Btw-wetboek): buiten het toepassingsgebied van de Belgische btw",
        "en": "Services to a business established outside the EU – place of supply outside Belgium (Article 21(2) "
              "of the Belgian VAT Code): outside the scope of Belgian VAT",
    }, "VATEX-EU-O"),
    VatTreatment.NOT_SUBJECT: ({
        "fr": "Opération hors du champ d'application de la TVA",
        "nl": "Handeling buiten het toepassingsgebied van de btw",
        "en": "Outside the scope of VAT",
    }, "VATEX-EU-O"),
    VatTreatment.INTRA_COOPERATIVE: ({
        "fr": "Opération interne à la coopérative – hors du champ d'application de la TVA",
        "nl": "Interne handeling binnen de coöperatie – buiten het toepassingsgebied van de btw",
        "en": "Internal transaction within the cooperative – outside the scope of VAT",
    }, "VATEX-EU-O"),
}


@dataclass(frozen=True, slots=True)
class Seller:
    """The cooperative as it appears on its documents (from the settings)."""

    name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_number: str
    enterprise_number: str
    peppol_id: PeppolParticipantId
    iban: str
    bic: str | None
    email: str | None
    legal_mention: str

    def party(self) -> Party:
        return Party(name=self.name, street=self.street, city=self.city, postal_code=self.postal_code,
                     country_code=self.country, vat_id=self.vat_number, enterprise_number=self.enterprise_number,
                     electronic_address=_address(self.peppol_id), email=self.email)


def _address(peppol: PeppolParticipantId) -> ElectronicAddress:
    return ElectronicAddress(scheme=peppol.scheme, identifier=peppol.identifier)


def _language(client: Document) -> Language:
    language = client.get("language", "fr")
    return language if language in ("fr", "nl", "en") else "fr"  # type: ignore[return-value]


def buyer_endpoint(client: Document) -> PeppolParticipantId | None:
    """The client's Peppol participant id: given, derived for a Belgian company
    (0208:<enterprise number>), or from an EU company's VAT number."""
    given = client.get("peppol_id")
    if given:
        return PeppolParticipantId.parse(given)
    vat = client.get("vat_number")
    country = client["address"]["country"]
    if client.get("kind") == "company" and vat and country in VAT_EAS:
        return PeppolParticipantId(VAT_EAS[country], vat)
    enterprise = client.get("enterprise_number")
    if client.get("kind") == "company" and country == "BE" and enterprise:
        return PeppolParticipantId.for_belgian_enterprise(enterprise)
    return None


def buyer_address(client: Document, seller: Seller) -> tuple[ElectronicAddress | None, bool]:
    """Where the UBL names the buyer, and whether that is a Peppol participant.

    The buyer's own identifiers only: its Peppol id (given or derived from its
    legal numbers), else none, and then no UBL is made for this client. The
    e-mail scheme (EAS ``EM``) is not in Peppol's code list (PEPPOL-EN16931-CL008),
    so an e-mail address cannot stand in. Another activity of the cooperative is
    the cooperative itself: its id is its own.
    """
    if client.get("cooperative_activity_id"):
        return _address(seller.peppol_id), False
    endpoint = buyer_endpoint(client)
    if endpoint is not None:
        return _address(endpoint), True
    return None, False


def _buyer_vat_id(client: Document) -> str | None:
    """A VAT id as EN 16931 wants it (BR-CO-09: ISO country prefix, EL for Greece)."""
    vat = client.get("vat_number")
    if not vat:
        return None
    country = client["address"]["country"]
    if country in EU_COUNTRIES:
        return str(vat)
    compact = str(vat).replace(" ", "").upper()
    # Outside the EU a tax number is only sent as a VAT id when it starts with
    # the client's own country code; otherwise it would break BR-CO-09.
    return compact if compact[:2] == country and len(compact) > 2 else None


def buyer_party(client: Document, seller: Seller) -> tuple[Party, bool]:
    """The client as a document party, and whether it can receive the UBL over Peppol.

    Peppol requires a buyer electronic address (PEPPOL-EN16931-R010). A client
    with no Peppol id gets none (never an invented one, never the cooperative's
    own): its PDF is made, its UBL is refused.
    """
    electronic, routable = buyer_address(client, seller)
    address = client["address"]
    enterprise = client.get("enterprise_number")
    party = Party(
        name=client["name"], street=address["street"], city=address["city"],
        postal_code=address.get("postal_code") or "-", country_code=address["country"],
        vat_id=_buyer_vat_id(client) if client.get("kind") == "company" else None,
        enterprise_number=enterprise if enterprise and be_vat.is_valid(enterprise) else None,
        electronic_address=electronic, email=client.get("email"),
    )
    return party, routable


def _exemption(regime: Document, language: Language) -> Exemption | None:
    treatment = VatTreatment(regime["treatment"])
    if treatment is VatTreatment.EXEMPT:
        return Exemption(reason=str(regime["legal_reference"]))
    known = _EXEMPTIONS.get(treatment)
    if known is None:
        return None
    texts, code = known
    return Exemption(reason=texts[language], code=code)


def _lines(doc: Document) -> tuple[DocumentLine, ...]:
    lines = []
    for index, line in enumerate(doc["lines"], start=1):
        quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
        lines.append(DocumentLine(
            id=str(index), description=line["description"], quantity=quantity, unit_code=line["unit_code"],
            unit_price=price, net_amount=_net(quantity, price), vat_category=VatCategory(line["vat_category"]),
            vat_percent=Decimal(line["vat_rate"]),
            supply_date=_day(line["supply_date"]) if line.get("supply_date") else None))
    return tuple(lines)


def _vat_rounding(doc: Document, plain: tuple[TaxSubtotal, ...]) -> dict[tuple[VatCategory, Decimal], Decimal]:
    """A partial credit note's stored VAT per breakdown may differ from its own rounding by a cent."""
    if doc["kind"] != "credit_note":
        return {}
    stored = {(b["category"], Decimal(b["rate"])): Decimal(b["vat_amount"])
              for b in doc["totals"].get("breakdown") or ()}
    return {s.key: stored[(s.category.value, s.percent)] - s.tax_amount for s in plain
            if stored.get((s.category.value, s.percent), s.tax_amount) != s.tax_amount}


def _net(quantity: Decimal, price: Decimal) -> Decimal:
    return round_cents(quantity * price)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _period(period: Document | None) -> SupplyPeriod | None:
    if not period:
        return None
    return SupplyPeriod(start=_day(period["start"]), end=_day(period["end"]))


def _format_day(text: str) -> str:
    return _day(text).strftime("%d/%m/%Y")


def invoice_document(doc: Document, seller: Seller) -> tuple[InvoiceDocument, bool]:
    """The legal document of an issued invoice or a credit note, and whether
    its buyer is reachable on Peppol (see ``buyer_party``)."""
    client = doc["client"]
    language = _language(client)
    buyer, routable = buyer_party(client, seller)
    lines = _lines(doc)
    exemption = _exemption(doc["regime"], language)
    exemptions = {line.vat_category: exemption for line in lines if exemption is not None}
    subtotals = compute_tax_subtotals(lines, exemptions, _vat_rounding(doc, compute_tax_subtotals(lines, exemptions)))
    totals = compute_totals(lines, subtotals)
    if totals.tax_inclusive != Decimal(doc["totals"]["total_incl_vat"]):
        raise ValueError(f"stored totals of {doc['_id']} do not match its lines")
    notes = [seller.legal_mention, _ACTIVITY[language].format(name=doc.get("activity_name") or "-")]
    is_invoice = doc["kind"] == "invoice"
    if is_invoice:
        kind = DocumentKind.INVOICE
        ogm = str(doc["structured_communication"])
        terms = _INVOICE_TERMS[language].format(days=doc["payment_term_days"], due=_format_day(doc["due_date"]),
                                                ogm=ogm)
        reference = None
        due: date | None = _day(doc["due_date"])
    else:
        kind = DocumentKind.CREDIT_NOTE
        credited = doc["credited_invoice"]
        ogm = str(credited["structured_communication"])  # the credited invoice's: it settles that one
        terms = _CREDIT_TERMS[language].format(number=credited["number"])
        reference = BillingReference(number=credited["number"], issue_date=_day(credited["issue_date"]))
        due = None
        notes.append(_REASON[language].format(reason=doc["reason"]))
    document = InvoiceDocument(
        kind=kind, number=str(doc["number"]), issue_date=_day(doc["issue_date"]), due_date=due,
        seller=seller.party(), buyer=buyer, payee_account=PaymentAccount(iban=seller.iban, bic=seller.bic),
        structured_communication=ogm, lines=lines, tax_subtotals=subtotals, totals=totals,
        buyer_reference=doc.get("buyer_reference") or str(doc["number"]), billing_reference=reference,
        payment_terms=terms, notes=tuple(notes), language=language,
        supply_date=_day(doc["supply_date"]) if doc.get("supply_date") else None,
        period=_period(doc.get("service_period")),
    )
    return document, routable


def quote_document(doc: Document, seller: Seller, today: date) -> InvoiceDocument:
    """A quote laid out like the invoice it may become (for its PDF): the same
    parties, lines and totals; the quote's own id stands for the number."""
    stand_in = {**doc, "kind": "invoice", "number": f"Q-{doc['_id'][:8].upper()}",
                "issue_date": doc.get("sent_on") or today.isoformat(), "due_date": doc["valid_until"],
                "payment_term_days": 0, "structured_communication": make_structured_communication("0" * 10)}
    document, _ = invoice_document(stand_in, seller)
    return document
