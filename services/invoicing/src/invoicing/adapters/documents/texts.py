"""Printed wording of the PDF documents in French, Dutch and English.

Legal mentions are worded as Belgian law requires them ("Autoliquidation" /
"Verlegging van heffing", the VAT mention on credit notes). Numbers and dates
use Belgian conventions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicing.adapters.documents.model import CENT, Language, VatCategory


@dataclass(frozen=True, slots=True)
class Texts:
    invoice: str
    credit_note: str
    number: str
    issue_date: str
    due_date: str
    buyer_reference: str
    order_reference: str
    credited_invoice: str
    client: str
    vat_number: str
    enterprise_number: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    vat: str
    net_amount: str
    vat_breakdown: str
    taxable_amount: str
    vat_amount: str
    total_excl_vat: str
    total_vat: str
    total_incl_vat: str
    prepaid: str
    payable: str
    credited: str
    payment: str
    pay_by: str
    iban: str
    bic: str
    structured_communication: str
    scan_to_pay: str
    reverse_charge: str
    credit_note_vat: str
    page: str
    category_names: dict[VatCategory, str]
    unit_names: dict[str, str]
    first_reminder: str
    formal_notice: str
    date: str
    first_reminder_body: str
    formal_notice_body: str
    deadline: str
    invoice_total: str
    outstanding: str
    decimal_comma: bool


FR = Texts(
    invoice="Facture",
    credit_note="Note de crédit",
    number="Numéro",
    issue_date="Date de facture",
    due_date="Échéance",
    buyer_reference="Votre référence",
    order_reference="Votre commande",
    credited_invoice="Facture créditée",
    client="Client",
    vat_number="N° TVA",
    enterprise_number="N° d'entreprise",
    description="Description",
    quantity="Quantité",
    unit="Unité",
    unit_price="Prix unitaire HTVA",
    vat="TVA",
    net_amount="Montant HTVA",
    vat_breakdown="Récapitulatif TVA",
    taxable_amount="Base imposable",
    vat_amount="Montant TVA",
    total_excl_vat="Total HTVA",
    total_vat="Total TVA",
    total_incl_vat="Total TVAC",
    prepaid="Déjà payé",
    payable="À payer",
    credited="Montant crédité",
    payment="Paiement",
    pay_by="Merci de payer {amount} au plus tard le {date}.",
    iban="IBAN",
    bic="BIC",
    structured_communication="Communication structurée",
    scan_to_pay="Scannez pour payer",
    reverse_charge="Autoliquidation",
    credit_note_vat="TVA à reverser à l'État dans la mesure où elle a été initialement déduite.",
    page="Page",
    category_names={
        VatCategory.STANDARD: "{percent} %",
        VatCategory.ZERO_RATED: "0 %",
        VatCategory.EXEMPT: "Exonéré",
        VatCategory.REVERSE_CHARGE: "Autoliquidation",
        VatCategory.EXPORT: "Exportation",
        VatCategory.NOT_SUBJECT: "Hors champ TVA",
    },
    unit_names={"HUR": "heure", "DAY": "jour", "C62": "pièce", "H87": "pièce", "MON": "mois", "WEE": "semaine"},
    first_reminder="Rappel de paiement",
    formal_notice="Mise en demeure",
    date="Date",
    first_reminder_body=(
        "Sauf erreur de notre part, la facture ci-dessous n'est pas encore entièrement payée. "
        "Nous vous remercions de verser le montant restant dû{deadline}."
    ),
    formal_notice_body=(
        "Malgré notre rappel, la facture ci-dessous reste impayée. Par la présente, nous vous "
        "mettons en demeure de payer le montant restant dû{deadline}. À défaut, nous nous "
        "réservons le droit d'entamer une procédure de recouvrement et de réclamer les "
        "intérêts de retard et indemnités prévus par la loi."
    ),
    deadline=" au plus tard le {date}",
    invoice_total="Montant de la facture",
    outstanding="Montant restant dû",
    decimal_comma=True,
)

NL = Texts(
    invoice="Factuur",
    credit_note="Creditnota",
    number="Nummer",
    issue_date="Factuurdatum",
    due_date="Vervaldatum",
    buyer_reference="Uw referentie",
    order_reference="Uw bestelling",
    credited_invoice="Gecrediteerde factuur",
    client="Klant",
    vat_number="Btw-nummer",
    enterprise_number="Ondernemingsnummer",
    description="Omschrijving",
    quantity="Aantal",
    unit="Eenheid",
    unit_price="Eenheidsprijs excl. btw",
    vat="Btw",
    net_amount="Bedrag excl. btw",
    vat_breakdown="Btw-overzicht",
    taxable_amount="Maatstaf van heffing",
    vat_amount="Btw-bedrag",
    total_excl_vat="Totaal excl. btw",
    total_vat="Totaal btw",
    total_incl_vat="Totaal incl. btw",
    prepaid="Reeds betaald",
    payable="Te betalen",
    credited="Gecrediteerd bedrag",
    payment="Betaling",
    pay_by="Gelieve {amount} te betalen uiterlijk op {date}.",
    iban="IBAN",
    bic="BIC",
    structured_communication="Gestructureerde mededeling",
    scan_to_pay="Scan om te betalen",
    reverse_charge="Verlegging van heffing (autoliquidation)",
    credit_note_vat=("Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek werd gebracht."),
    page="Pagina",
    category_names={
        VatCategory.STANDARD: "{percent} %",
        VatCategory.ZERO_RATED: "0 %",
        VatCategory.EXEMPT: "Vrijgesteld",
        VatCategory.REVERSE_CHARGE: "Verlegd",
        VatCategory.EXPORT: "Uitvoer",
        VatCategory.NOT_SUBJECT: "Buiten btw-toepassing",
    },
    unit_names={"HUR": "uur", "DAY": "dag", "C62": "stuk", "H87": "stuk", "MON": "maand", "WEE": "week"},
    first_reminder="Betalingsherinnering",
    formal_notice="Ingebrekestelling",
    date="Datum",
    first_reminder_body=(
        "Behoudens vergissing onzerzijds is onderstaande factuur nog niet volledig betaald. "
        "Gelieve het openstaande bedrag te betalen{deadline}."
    ),
    formal_notice_body=(
        "Ondanks onze herinnering blijft onderstaande factuur onbetaald. Wij stellen u hierbij "
        "in gebreke het openstaande bedrag te betalen{deadline}. Zo niet, behouden wij ons het "
        "recht voor een invorderingsprocedure op te starten en de wettelijke verwijlinteresten "
        "en schadevergoedingen te vorderen."
    ),
    deadline=" uiterlijk op {date}",
    invoice_total="Factuurbedrag",
    outstanding="Openstaand bedrag",
    decimal_comma=True,
)

EN = Texts(
    invoice="Invoice",
    credit_note="Credit note",
    number="Number",
    issue_date="Invoice date",
    due_date="Due date",
    buyer_reference="Your reference",
    order_reference="Your order",
    credited_invoice="Credited invoice",
    client="Client",
    vat_number="VAT number",
    enterprise_number="Enterprise number",
    description="Description",
    quantity="Quantity",
    unit="Unit",
    unit_price="Unit price excl. VAT",
    vat="VAT",
    net_amount="Amount excl. VAT",
    vat_breakdown="VAT summary",
    taxable_amount="Taxable amount",
    vat_amount="VAT amount",
    total_excl_vat="Total excl. VAT",
    total_vat="Total VAT",
    total_incl_vat="Total incl. VAT",
    prepaid="Already paid",
    payable="Amount due",
    credited="Amount credited",
    payment="Payment",
    pay_by="Please pay {amount} by {date}.",
    iban="IBAN",
    bic="BIC",
    structured_communication="Structured communication",
    scan_to_pay="Scan to pay",
    reverse_charge="Reverse charge (autoliquidation)",
    credit_note_vat="VAT to be repaid to the State insofar as it was initially deducted.",
    page="Page",
    category_names={
        VatCategory.STANDARD: "{percent} %",
        VatCategory.ZERO_RATED: "0 %",
        VatCategory.EXEMPT: "Exempt",
        VatCategory.REVERSE_CHARGE: "Reverse charge",
        VatCategory.EXPORT: "Export",
        VatCategory.NOT_SUBJECT: "Outside the scope of VAT",
    },
    unit_names={"HUR": "hour", "DAY": "day", "C62": "piece", "H87": "piece", "MON": "month", "WEE": "week"},
    first_reminder="Payment reminder",
    formal_notice="Formal notice",
    date="Date",
    first_reminder_body=(
        "According to our records, the invoice below has not yet been paid in full. "
        "Please pay the outstanding amount{deadline}."
    ),
    formal_notice_body=(
        "Despite our reminder, the invoice below remains unpaid. We hereby give you formal "
        "notice to pay the outstanding amount{deadline}. Failing this, we reserve the right to "
        "start recovery proceedings and to claim the late-payment interest and compensation "
        "provided for by law."
    ),
    deadline=" by {date}",
    invoice_total="Invoice amount",
    outstanding="Amount outstanding",
    decimal_comma=False,
)

_TEXTS: dict[Language, Texts] = {"fr": FR, "nl": NL, "en": EN}


def texts_for(language: Language) -> Texts:
    return _TEXTS[language]


def format_number(value: Decimal, texts: Texts, *, min_decimals: int = 0) -> str:
    """Group thousands; Belgian fr/nl write 1.234,5 and English 1,234.5."""
    exponent = value.as_tuple().exponent
    decimals = max(min_decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{value:,.{decimals}f}"
    if texts.decimal_comma:
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def format_amount(value: Decimal, texts: Texts) -> str:
    return f"{format_number(value.quantize(CENT), texts, min_decimals=2)} €"


def format_percent(value: Decimal, texts: Texts) -> str:
    return f"{format_number(value.normalize(), texts)} %"


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")
