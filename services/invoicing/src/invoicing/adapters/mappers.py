"""Stored documents <-> domain objects.

Dates are stored as ISO strings (``2026-03-16``: BSON has no date type and
the strings sort), money as Decimal128 (the shared codec). An aggregate read
back is rebuilt through its constructor, which re-checks every invariant,
then given the lifecycle state the repository persisted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coop_shared.persistence.mongo import Document
from invoicing.domain.clients import Address, Client, CompanyClient, PeppolParticipantId, PrivateClient
from invoicing.domain.contribution import PaymentSplit
from invoicing.domain.invoice import CreditNote, Invoice, InvoiceNumber, InvoiceStatus
from invoicing.domain.money import ZERO, percent_of
from invoicing.domain.quote import Quote, QuoteStatus
from invoicing.domain.totals import InvoiceLine, InvoiceTotals
from invoicing.domain.vat import RateCategory, VatCategoryCode, VatRegime, VatTreatment


def parse_day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# -- clients ----------------------------------------------------------------------


def client_from_doc(doc: Document) -> Client:
    address = doc["address"]
    postal = Address(street=address["street"], city=address["city"], country=address["country"],
                     postal_code=address.get("postal_code", ""))
    if doc["kind"] == "person":
        return PrivateClient(name=doc["name"], address=postal, email=doc.get("email"))
    peppol = doc.get("peppol_id")
    return CompanyClient(name=doc["name"], address=postal, vat_number=doc.get("vat_number"),
                         enterprise_number=doc.get("enterprise_number"),
                         peppol_id=PeppolParticipantId.parse(peppol) if peppol else None, email=doc.get("email"))


def client_snapshot(doc: Document) -> Document:
    """The copy of a stored client a quote or an invoice keeps (normalised by the domain)."""
    kept = {"id": doc["_id"], **client_fields(client_from_doc(doc)), "language": doc.get("language", "fr")}
    if doc.get("cooperative_activity_id"):
        kept["cooperative_activity_id"] = doc["cooperative_activity_id"]
    return kept


def client_fields(client: Client) -> Document:
    """The normalised identity of a client; absent values are left out (partial unique indexes)."""
    fields: Document = {
        "kind": "company" if isinstance(client, CompanyClient) else "person",
        "name": client.name,
        "address": {"street": client.address.street, "postal_code": client.address.postal_code,
                    "city": client.address.city, "country": client.address.country},
    }
    if client.email is not None:
        fields["email"] = client.email
    if isinstance(client, CompanyClient):
        if client.vat_number is not None:
            fields["vat_number"] = client.vat_number
        if client.enterprise_number is not None:
            fields["enterprise_number"] = client.enterprise_number
        if client.peppol_id is not None:
            fields["peppol_id"] = str(client.peppol_id)
    return fields


# -- lines, regime, totals ----------------------------------------------------------------


def line_to_doc(line: InvoiceLine) -> Document:
    doc: Document = {"description": line.description, "quantity": line.quantity, "unit_code": line.unit_code,
                     "unit_price": line.unit_price, "vat_rate": line.vat_rate, "vat_category": line.vat_category.value}
    if line.supply_date is not None:
        doc["supply_date"] = line.supply_date.isoformat()
    if line.rate_category is not None:
        doc["rate_category"] = line.rate_category.value
    return doc


def line_from_doc(doc: Document) -> InvoiceLine:
    supplied = doc.get("supply_date")
    category = doc.get("rate_category")
    return InvoiceLine(doc["description"], Decimal(doc["quantity"]), doc["unit_code"], Decimal(doc["unit_price"]),
                       Decimal(doc["vat_rate"]), VatCategoryCode(doc["vat_category"]),
                       date.fromisoformat(supplied) if supplied else None,
                       RateCategory(category) if category else None)


def regime_to_doc(regime: VatRegime) -> Document:
    return {"treatment": regime.treatment.value, "legal_reference": regime.legal_reference}


def regime_from_doc(doc: Document) -> VatRegime:
    return VatRegime(VatTreatment(doc["treatment"]), doc.get("legal_reference"))


def totals_to_doc(totals: InvoiceTotals) -> Document:
    return {
        "total_excl_vat": totals.total_excl_vat, "vat_total": totals.vat_total,
        "total_incl_vat": totals.total_incl_vat, "prepaid": totals.prepaid, "amount_due": totals.amount_due,
        "breakdown": [{"category": b.category.value, "rate": b.rate, "taxable_amount": b.taxable_amount,
                       "vat_amount": b.vat_amount} for b in totals.breakdown],
    }


# -- quotes ------------------------------------------------------------------------------


def quote_from_doc(doc: Document) -> Quote:
    quote = Quote(quote_id=doc["_id"], activity_id=doc["activity_id"], client=client_from_doc(doc["client"]),
                  regime=regime_from_doc(doc["regime"]), valid_until=date.fromisoformat(doc["valid_until"]),
                  lines=[line_from_doc(line) for line in doc["lines"]])
    quote.status = QuoteStatus(doc["status"])
    quote.sent_on = parse_day(doc.get("sent_on"))
    quote.answered_on = parse_day(doc.get("answered_on"))
    quote.client_comment = doc.get("client_comment")
    quote.invoice_id = doc.get("invoice_id")
    quote.version = int(doc.get("version", 0))
    return quote


def quote_state(quote: Quote) -> Document:
    """What a quote's methods may change."""
    state: Document = {
        "status": quote.status.value, "valid_until": quote.valid_until.isoformat(),
        "lines": [line_to_doc(line) for line in quote.lines], "regime": regime_to_doc(quote.regime),
        "sent_on": iso(quote.sent_on), "answered_on": iso(quote.answered_on),
        "client_comment": quote.client_comment, "invoice_id": quote.invoice_id,
    }
    state["totals"] = totals_to_doc(quote.totals) if quote.lines else None
    return state


# -- invoices ----------------------------------------------------------------------------


def number_from_doc(doc: Document) -> InvoiceNumber | None:
    if "sequence" not in doc:
        return None
    return InvoiceNumber(int(doc["year"]), int(doc["sequence"]), doc.get("number_prefix", ""))


def invoice_from_doc(doc: Document) -> Invoice:
    invoice = Invoice(invoice_id=doc["_id"], activity_id=doc["activity_id"], client=client_from_doc(doc["client"]),
                      regime=regime_from_doc(doc["regime"]), lines=[line_from_doc(line) for line in doc["lines"]],
                      buyer_reference=doc.get("buyer_reference"), review_required=bool(doc.get("review_required")),
                      quote_id=doc.get("quote_id"))
    invoice.status = InvoiceStatus(doc["status"])
    invoice.number = number_from_doc(doc)
    invoice.issue_date = parse_day(doc.get("issue_date"))
    invoice.due_date = parse_day(doc.get("due_date"))
    invoice.structured_communication = doc.get("structured_communication")
    rate = doc.get("contribution_rate")
    invoice.contribution_rate = None if rate is None else Decimal(rate)
    invoice.sent_on = parse_day(doc.get("sent_on"))
    invoice.amount_paid = Decimal(doc.get("amount_paid", ZERO))
    invoice.overpaid = Decimal(doc.get("overpaid", ZERO))
    credit = doc.get("credit_note")
    invoice.credit_note_number = None if credit is None else InvoiceNumber.parse(credit["number"])
    if doc.get("paid_parts"):
        invoice.paid_parts = split_from_doc(doc["paid_parts"])
    credits = doc.get("credits") or {}
    invoice.credited = Decimal(credits.get("amount", ZERO))
    invoice.credited_unpaid = Decimal(credits.get("unpaid", ZERO))
    if credits.get("unpaid_parts"):
        invoice.credited_unpaid_split = split_from_doc(credits["unpaid_parts"])
    if credits.get("refunded_parts"):
        invoice.refunded = split_from_doc(credits["refunded_parts"])
    invoice.credited_quantities = {int(k): Decimal(v) for k, v in (credits.get("quantities") or {}).items()}
    invoice.credited_groups = {
        (VatCategoryCode(g["category"]), Decimal(g["rate"])): (Decimal(g["taxable_amount"]), Decimal(g["vat_amount"]))
        for g in credits.get("groups") or ()}
    invoice.version = int(doc.get("version", 0))
    return invoice


def credit_note_from_doc(doc: Document) -> CreditNote:
    credited = doc["credited_invoice"]
    # The cent a partial note's VAT was moved by is not stored apart: it is what its stored VAT differs
    # from the VAT of its taxable amount.
    rounding = tuple(
        ((VatCategoryCode(g["category"]), Decimal(g["rate"])), moved) for g in doc["totals"]["breakdown"]
        if (moved := Decimal(g["vat_amount"]) - percent_of(Decimal(g["taxable_amount"]), Decimal(g["rate"]))))
    return CreditNote(number=InvoiceNumber.parse(doc["number"]), invoice_number=InvoiceNumber.parse(credited["number"]),
                      invoice_issue_date=date.fromisoformat(credited["issue_date"]),
                      issue_date=date.fromisoformat(doc["issue_date"]), client=client_from_doc(doc["client"]),
                      regime=regime_from_doc(doc["regime"]), lines=tuple(line_from_doc(line) for line in doc["lines"]),
                      reason=doc["reason"], vat_rounding=rounding)


def billing_document_from_doc(doc: Document) -> Invoice | CreditNote:
    """The invoice or credit note a document of the invoices collection holds (``kind`` tells them apart)."""
    if doc["kind"] == "invoice":
        return invoice_from_doc(doc)
    if doc["kind"] == "credit_note":
        return credit_note_from_doc(doc)
    raise ValueError(f"unknown document kind {doc['kind']!r}")


def split_to_doc(split: PaymentSplit) -> Document:
    return {"excl_vat": split.excl_vat, "vat": split.vat, "contribution": split.contribution,
            "activity_share": split.activity_share}


def split_from_doc(doc: Document) -> PaymentSplit:
    return PaymentSplit(Decimal(doc["excl_vat"]), Decimal(doc["vat"]), Decimal(doc["contribution"]),
                        Decimal(doc["activity_share"]))


def invoice_state(invoice: Invoice) -> Document:
    """Fields a draft edit or a lifecycle step may change (numbering is set apart)."""
    state: Document = {
        "status": invoice.status.value, "lines": [line_to_doc(line) for line in invoice.lines],
        "regime": regime_to_doc(invoice.regime), "buyer_reference": invoice.buyer_reference,
        "review_required": invoice.review_required, "sent_on": iso(invoice.sent_on),
        "amount_paid": invoice.amount_paid, "overpaid": invoice.overpaid,
    }
    state["totals"] = totals_to_doc(invoice.totals) if invoice.lines else None
    if invoice.paid_parts is not None:
        state["paid_parts"] = split_to_doc(invoice.paid_parts)
    if invoice.credited > 0:
        state["credits"] = {
            "amount": invoice.credited, "unpaid": invoice.credited_unpaid,
            "unpaid_parts": split_to_doc(invoice.credited_unpaid_split),
            "refunded_parts": split_to_doc(invoice.refunded),
            "quantities": {str(k): v for k, v in invoice.credited_quantities.items()},
            "groups": [{"category": category.value, "rate": rate, "taxable_amount": taxable, "vat_amount": vat}
                       for (category, rate), (taxable, vat) in invoice.credited_groups.items()],
        }
    return state


def issue_state(invoice: Invoice) -> Document:
    """What issuing gives an invoice besides its state: the number, the dates, the contribution rate and,
    unless it has none (an internal transfer), the structured communication."""
    number, issued, due = invoice.number, invoice.issue_date, invoice.due_date
    if number is None or issued is None or due is None:
        raise ValueError(f"invoice {invoice.id} is not issued")
    state: Document = {**invoice_state(invoice), "number": str(number), "year": number.year,
                       "sequence": number.sequence, "issue_date": issued.isoformat(), "due_date": due.isoformat(),
                       "contribution_rate": invoice.contribution_rate}
    if number.prefix:
        state["number_prefix"] = number.prefix
    if invoice.structured_communication is not None:
        state["structured_communication"] = invoice.structured_communication
    return state


def credit_note_state(note: CreditNote) -> Document:
    """What a credit note is, as stored (it never changes once issued)."""
    return {"regime": regime_to_doc(note.regime), "lines": [line_to_doc(line) for line in note.lines],
            "totals": totals_to_doc(note.totals), "number": str(note.number), "number_prefix": note.number.prefix,
            "year": note.number.year, "sequence": note.number.sequence, "issue_date": note.issue_date.isoformat(),
            "reason": note.reason}
