"""Stored documents as API responses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coop_shared.persistence.mongo import Document
from invoicing.adapters.mappers import billing_document_from_doc, parse_day, regime_from_doc
from invoicing.domain.clients import EU_COUNTRIES
from invoicing.domain.money import ZERO, round_cents
from invoicing.entrypoints.api import schemas as s


def client_out(doc: Document) -> s.ClientOut:
    return s.ClientOut(
        id=doc["_id"], activity_id=doc["activity_id"], kind=doc["kind"], name=doc["name"], email=doc.get("email"),
        language=doc.get("language", "fr"), address=s.AddressOut(**doc["address"]),
        vat_number=doc.get("vat_number"), enterprise_number=doc.get("enterprise_number"),
        peppol_id=doc.get("peppol_id"), cooperative_activity_id=doc.get("cooperative_activity_id"),
        eu=doc["address"]["country"] in EU_COUNTRIES, created_at=doc["created_at"], updated_at=doc["updated_at"],
        version=doc["version"])


def snapshot_out(client: Document) -> s.ClientSnapshotOut:
    return s.ClientSnapshotOut(id=client["id"], kind=client["kind"], name=client["name"], email=client.get("email"),
                               country=client["address"]["country"], vat_number=client.get("vat_number"))


def lines_out(lines: list[Document]) -> list[s.LineOut]:
    return [s.LineOut(description=line["description"], quantity=line["quantity"], unit=line["unit_code"],
                      unit_price=line["unit_price"], vat_rate=line["vat_rate"], vat_category=line["vat_category"],
                      net_amount=round_cents(Decimal(line["quantity"]) * Decimal(line["unit_price"])),
                      rate_category=line.get("rate_category"), supply_date=parse_day(line.get("supply_date")))
            for line in lines]


def totals_out(totals: Document | None) -> s.TotalsOut | None:
    if not totals:
        return None
    return s.TotalsOut(total_excl_vat=totals["total_excl_vat"], vat_total=totals["vat_total"],
                       total_incl_vat=totals["total_incl_vat"], amount_due=totals["amount_due"],
                       breakdown=[s.VatBreakdownOut(**b) for b in totals["breakdown"]])


def vat_out(regime: Document) -> s.VatOut:
    return s.VatOut(treatment=regime["treatment"], legal_reference=regime.get("legal_reference"),
                    mention=regime_from_doc(regime).mention)


def _quote_expired(doc: Document, today: date) -> bool:
    return bool(doc["status"] == "expired" or (doc["status"] == "sent" and doc["valid_until"] < today.isoformat()))


def quote_out(doc: Document, today: date, sendings: list[Document] | None = None) -> s.QuoteOut:
    return s.QuoteOut(
        id=doc["_id"], activity_id=doc["activity_id"], activity_name=doc.get("activity_name"),
        client_id=doc["client_id"], client=snapshot_out(doc["client"]), status=doc["status"],
        expired=_quote_expired(doc, today), valid_until=date.fromisoformat(doc["valid_until"]),
        vat=vat_out(doc["regime"]), lines=lines_out(doc["lines"]), totals=totals_out(doc.get("totals")),
        sent_on=parse_day(doc.get("sent_on")), answered_on=parse_day(doc.get("answered_on")),
        client_comment=doc.get("client_comment"), invoice_id=doc.get("invoice_id"), created_at=doc["created_at"],
        updated_at=doc["updated_at"], version=doc["version"], sendings=[sending_out(d) for d in sendings or []])


def public_quote_out(doc: Document, today: date, seller: s.SellerOut) -> s.PublicQuoteOut:
    return s.PublicQuoteOut(
        seller=seller, activity_name=doc.get("activity_name"), client_name=doc["client"]["name"],
        status=doc["status"], expired=_quote_expired(doc, today), valid_until=date.fromisoformat(doc["valid_until"]),
        vat=vat_out(doc["regime"]), lines=lines_out(doc["lines"]), totals=totals_out(doc.get("totals")),
        sent_on=parse_day(doc.get("sent_on")), answered_on=parse_day(doc.get("answered_on")),
        client_comment=doc.get("client_comment"))


def _ref(value: Document | None) -> s.DocumentRef | None:
    return None if not value else s.DocumentRef(id=value["id"], number=value["number"])


def sending_out(doc: Document) -> s.SendingOut:
    return s.SendingOut(id=doc["_id"], document_kind=doc["document_kind"], to=doc.get("to"), status=doc["status"],
                        attempts=doc.get("attempts", 0), error=doc.get("error"), requested_at=doc["requested_at"],
                        updated_at=doc["updated_at"])


def peppol_out(doc: Document) -> s.PeppolTransmissionOut:
    return s.PeppolTransmissionOut(receiver=doc["receiver"], status=doc["status"], attempts=doc["attempts"],
                                   error=doc.get("error"), transmission_id=doc.get("transmission_id"),
                                   accepted_at=doc.get("accepted_at"), updated_at=doc["updated_at"])


def invoice_out(doc: Document, today: date, *, files: list[Document] | None = None,
                sendings: list[Document] | None = None, peppol: Document | None = None) -> s.InvoiceOut:
    review = doc.get("review")
    document = billing_document_from_doc(doc)
    return s.InvoiceOut(
        id=doc["_id"], kind=doc["kind"], number=doc.get("number"), activity_id=doc["activity_id"],
        activity_name=doc.get("activity_name"), client_id=doc["client_id"], client=snapshot_out(doc["client"]),
        status=doc["status"], overdue=document.is_overdue(today), review_required=bool(doc.get("review_required")),
        review=None if not review else s.ReviewOut(**{k: review.get(k) for k in s.ReviewOut.model_fields}),
        vat=vat_out(doc["regime"]), lines=lines_out(doc["lines"]), totals=totals_out(doc.get("totals")),
        buyer_reference=doc.get("buyer_reference"), payment_term_days=doc.get("payment_term_days"),
        issue_date=parse_day(doc.get("issue_date")), due_date=parse_day(doc.get("due_date")),
        supply_date=parse_day(doc.get("supply_date")),
        service_period=None if not doc.get("service_period") else {
            k: date.fromisoformat(v) for k, v in doc["service_period"].items()},
        supply_type=doc.get("supply_type") or "services",
        structured_communication=doc.get("structured_communication"),
        contribution_rate=doc.get("contribution_rate"), contribution=doc.get("contribution"),
        activity_share=doc.get("activity_share"), amount_paid=doc.get("amount_paid", ZERO),
        outstanding=document.outstanding, sent_on=parse_day(doc.get("sent_on")), quote_id=doc.get("quote_id"),
        credit_note=_ref(doc.get("credit_note")), credited_invoice=_ref(doc.get("credited_invoice")),
        credit_notes=[s.DocumentRef(id=r["id"], number=r["number"]) for r in doc.get("credit_notes") or []],
        credited_amount=(doc.get("credits") or {}).get("amount", Decimal("0.00")),
        refunds=[s.RefundRef(**r) for r in doc.get("refunds") or []],
        reason=doc.get("reason"), reminders={k: date.fromisoformat(v) for k, v in (doc.get("reminders") or {}).items()},
        write_off_reason=(doc.get("write_off") or {}).get("reason"),
        client_link_expires_at=(doc.get("client_link") or {}).get("expires_at"),
        files=[s.FileOut(**f) for f in files or []], sendings=[sending_out(d) for d in sendings or []],
        peppol=None if peppol is None else peppol_out(peppol), created_at=doc["created_at"],
        updated_at=doc["updated_at"], version=doc["version"])


def refund_out(doc: Document) -> s.RefundOut:
    return s.RefundOut(
        id=doc["_id"], status=doc["status"], amount=doc["amount"], currency=doc.get("currency", "EUR"),
        activity_id=doc["activity_id"], invoice_id=doc["invoice_id"], invoice_number=doc["invoice_number"],
        credit_note_id=doc["credit_note_id"], credit_note_number=doc["credit_note_number"],
        client_id=doc["client_id"], client_name=doc["client_name"], client_iban=doc.get("client_iban"),
        paid_on=parse_day(doc.get("paid_on")), paid_by=doc.get("paid_by"), reference=doc.get("reference"),
        created_at=doc["created_at"], updated_at=doc["updated_at"], version=doc["version"])
