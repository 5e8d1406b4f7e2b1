"""The words of the client pages, in French, Dutch and English."""

from __future__ import annotations

from typing import Literal

PageLanguage = Literal["fr", "nl", "en"]
LANGUAGES: tuple[PageLanguage, ...] = ("fr", "nl", "en")
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "quote": "Devis", "invoice": "Facture", "from": "Émis par", "activity": "Activité", "client": "Client",
        "valid_until": "Valable jusqu'au", "description": "Description", "quantity": "Quantité",
        "unit_price": "Prix unitaire", "vat": "TVA", "net": "Montant HTVA", "total_excl_vat": "Total HTVA",
        "vat_total": "TVA", "total_incl_vat": "Total TVAC", "download_pdf": "Télécharger le PDF",
        "download_ubl": "Télécharger l'UBL (Peppol, XML)", "accept": "Accepter le devis",
        "changes": "Demander des modifications", "comment": "Votre commentaire", "reject": "Refuser le devis",
        "reason": "Raison (facultatif)", "status": "Statut", "status_sent": "En attente de votre réponse",
        "status_accepted": "Accepté — merci !", "status_changes_requested": "Modifications demandées",
        "status_rejected": "Refusé", "status_expired": "Expiré", "status_draft": "En préparation",
        "answered": "Votre réponse a bien été enregistrée.", "your_comment": "Votre commentaire",
        "amount_due": "Montant à payer", "due_date": "Échéance", "ogm": "Communication structurée",
        "iban": "Compte", "paid": "Payée", "unpaid": "Non payée", "partially_paid": "Partiellement payée",
        "outstanding": "Reste à payer", "cancelled": "Annulée par une note de crédit",
        "scan": "Scannez avec votre application bancaire pour payer",
        "expired_title": "Ce lien a expiré",
        "expired_body": "Pour votre sécurité, ce lien n'est plus valable. Demandez un nouveau lien à votre contact.",
        "invalid_title": "Lien inconnu",
        "invalid_body": "Ce lien n'ouvre aucun document. Vérifiez qu'il est complet, ou demandez-en un nouveau.",
        "conflict_title": "Réponse impossible", "back": "Retour au devis", "language": "Langue",
    },
    "nl": {
        "quote": "Offerte", "invoice": "Factuur", "from": "Uitgereikt door", "activity": "Activiteit",
        "client": "Klant", "valid_until": "Geldig tot", "description": "Omschrijving", "quantity": "Aantal",
        "unit_price": "Eenheidsprijs", "vat": "Btw", "net": "Bedrag excl. btw", "total_excl_vat": "Totaal excl. btw",
        "vat_total": "Btw", "total_incl_vat": "Totaal incl. btw", "download_pdf": "PDF downloaden",
        "download_ubl": "UBL downloaden (Peppol, XML)", "accept": "Offerte aanvaarden",
        "changes": "Wijzigingen vragen", "comment": "Uw opmerking", "reject": "Offerte weigeren",
        "reason": "Reden (optioneel)", "status": "Status", "status_sent": "Wacht op uw antwoord",
        "status_accepted": "Aanvaard — bedankt!", "status_changes_requested": "Wijzigingen gevraagd",
        "status_rejected": "Geweigerd", "status_expired": "Verlopen", "status_draft": "In voorbereiding",
        "answered": "Uw antwoord is geregistreerd.", "your_comment": "Uw opmerking",
        "amount_due": "Te betalen bedrag", "due_date": "Vervaldag", "ogm": "Gestructureerde mededeling",
        "iban": "Rekening", "paid": "Betaald", "unpaid": "Niet betaald", "partially_paid": "Gedeeltelijk betaald",
        "outstanding": "Nog te betalen", "cancelled": "Geannuleerd door een creditnota",
        "scan": "Scan met uw bankapp om te betalen",
        "expired_title": "Deze link is verlopen",
        "expired_body": "Voor uw veiligheid is deze link niet meer geldig. Vraag uw contactpersoon om een nieuwe link.",
        "invalid_title": "Onbekende link",
        "invalid_body": "Deze link opent geen document. Controleer of hij volledig is, of vraag een nieuwe.",
        "conflict_title": "Antwoord niet mogelijk", "back": "Terug naar de offerte", "language": "Taal",
    },
    "en": {
        "quote": "Quote", "invoice": "Invoice", "from": "Issued by", "activity": "Activity", "client": "Client",
        "valid_until": "Valid until", "description": "Description", "quantity": "Quantity",
        "unit_price": "Unit price", "vat": "VAT", "net": "Amount excl. VAT", "total_excl_vat": "Total excl. VAT",
        "vat_total": "VAT", "total_incl_vat": "Total incl. VAT", "download_pdf": "Download the PDF",
        "download_ubl": "Download the UBL (Peppol, XML)", "accept": "Accept the quote",
        "changes": "Ask for changes", "comment": "Your comment", "reject": "Reject the quote",
        "reason": "Reason (optional)", "status": "Status", "status_sent": "Waiting for your answer",
        "status_accepted": "Accepted — thank you!", "status_changes_requested": "Changes requested",
        "status_rejected": "Rejected", "status_expired": "Expired", "status_draft": "In preparation",
        "answered": "Your answer is recorded.", "your_comment": "Your comment",
        "amount_due": "Amount to pay", "due_date": "Due date", "ogm": "Structured communication",
        "iban": "Account", "paid": "Paid", "unpaid": "Unpaid", "partially_paid": "Partially paid",
        "outstanding": "Still to pay", "cancelled": "Cancelled by a credit note",
        "scan": "Scan with your banking app to pay",
        "expired_title": "This link has expired",
        "expired_body": "For your safety this link no longer works. Ask your contact person for a new link.",
        "invalid_title": "Unknown link",
        "invalid_body": "This link opens no document. Check that it is complete, or ask for a new one.",
        "conflict_title": "This answer is not possible", "back": "Back to the quote", "language": "Language",
    },
}


def page_language(requested: str | None, client_language: str | None) -> PageLanguage:
    for candidate in (requested, client_language):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return "fr"
