"""A stored invoice as the legal document: seller, buyer endpoint, mentions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from invoicing.adapters.documents.from_invoice import buyer_endpoint, buyer_party, invoice_document
from invoicing.adapters.documents.model import DocumentKind, VatCategory
from invoicing.config import InvoicingSettings
from invoicing.service_layer.context import seller_of

SELLER = seller_of(InvoicingSettings())
ADDRESS = {"street": "Rue Haute 5", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}


def client(**fields: Any) -> dict[str, Any]:
    return {"id": "c", "kind": "company", "name": "Client", "language": "fr", "address": ADDRESS, **fields}


@pytest.mark.parametrize(("fields", "endpoint"), [
    ({"vat_number": "BE0765432146", "peppol_id": "0208:0765432146"}, "0208:0765432146"),
    ({"vat_number": "NL000099998B57", "address": {**ADDRESS, "country": "NL"}}, "9944:NL000099998B57"),
    ({"vat_number": "DE136695976", "address": {**ADDRESS, "country": "DE"}}, "9930:DE136695976"),
    ({"peppol_id": "9927:CHE123456788", "address": {**ADDRESS, "country": "CH"}}, "9927:CHE123456788"),
    ({"kind": "person"}, None),
    ({"vat_number": "12-3456789", "address": {**ADDRESS, "country": "US"}}, None),
])
def test_the_buyers_peppol_endpoint(fields: dict[str, Any], endpoint: str | None) -> None:
    found = buyer_endpoint(client(**fields))
    assert (None if found is None else str(found)) == endpoint


def test_a_buyer_outside_peppol_gets_no_endpoint_never_the_cooperatives_id() -> None:
    for outside in (client(vat_number="12-3456789", address={**ADDRESS, "country": "US"}, email="ap@corp.example"),
                    client(kind="person", email="camille@example.org")):
        party, routable = buyer_party(outside, SELLER)
        assert (party.electronic_address, routable) == (None, False)  # nothing invented: no UBL for it
    party, routable = buyer_party(client(address={**ADDRESS, "country": "BE"}, enterprise_number="0765432146"),
                                  SELLER)
    assert (str(party.electronic_address), routable) == ("0208:0765432146", True)  # from its own KBO/BCE number
    party, _ = buyer_party(client(vat_number="12-3456789", address={**ADDRESS, "country": "US"}), SELLER)
    assert party.vat_id is None  # BR-CO-09: only ids with an ISO prefix are sent as VAT ids
    party, _ = buyer_party(client(vat_number="CHE-123.456.788", address={**ADDRESS, "country": "CH"}), SELLER)
    assert party.vat_id == "CHE-123.456.788"
    party, _ = buyer_party(client(vat_number="GB980780684", address={**ADDRESS, "country": "US"}), SELLER)
    assert party.vat_id is None  # another country's number
    party, _ = buyer_party(client(vat_number="GB980780684", address={**ADDRESS, "country": "GB"}), SELLER)
    assert party.vat_id == "GB980780684"


def _credit_note() -> dict[str, Any]:
    return {
        "_id": "cn", "kind": "credit_note", "number": "CN-2026-000001", "issue_date": "2026-03-20",
        "client": client(vat_number="NL000099998B57", language="en", address={**ADDRESS, "country": "NL"}),
        "regime": {"treatment": "reverse_charge", "legal_reference": None}, "activity_name": "Studio",
        "lines": [{"description": "Mixing", "quantity": "6", "unit_code": "HUR", "unit_price": "75.00",
                   "vat_rate": "0", "vat_category": "AE"}],
        "totals": {"total_incl_vat": "450.00"}, "reason": "Wrong client",
        "credited_invoice": {"id": "i", "number": "2026-000007", "issue_date": "2026-03-16",
                             "structured_communication": "+++202/6000/00701+++"},
    }


def test_a_credit_note_references_its_invoice_and_states_why() -> None:
    document, routable = invoice_document(_credit_note(), SELLER)
    assert routable and document.kind is DocumentKind.CREDIT_NOTE
    assert document.billing_reference is not None and document.billing_reference.number == "2026-000007"
    assert document.due_date is None and document.payment_terms and "2026-000007" in document.payment_terms
    assert "Reason: Wrong client" in document.notes and "Activity: Studio" in document.notes
    (subtotal,) = document.tax_subtotals
    assert subtotal.category is VatCategory.REVERSE_CHARGE
    assert subtotal.exemption is not None and "autoliquidation" in subtotal.exemption.reason.lower()
    assert document.seller.vat_id == "BE0123456749" and document.seller.name == "Coopérative Partagée SC"


def test_stored_totals_that_disagree_with_the_lines_are_refused() -> None:
    broken = {**_credit_note(), "totals": {"total_incl_vat": "451.00"}}
    with pytest.raises(ValueError, match="do not match"):
        invoice_document(broken, SELLER)


@pytest.mark.parametrize("override", [
    {"seller_vat_number": "BE0123456748"}, {"seller_iban": "BE71096123456768"}, {"seller_bic": "NOTABIC"},
    {"seller_enterprise_number": "0765432146"}, {"seller_peppol_id": "0208"},
])
def test_the_sellers_identity_is_checked_at_start_up(override: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        InvoicingSettings(**override)  # type: ignore[arg-type]
