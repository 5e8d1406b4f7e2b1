"""The legal documents the API serves: every UBL passes Peppol BIS 3.0, the
PDF opens and carries the EPC QR code of the amount due.

Varied invoices are made THROUGH THE API (several VAT rates, reverse charge
to an EU company, exempt, credit notes, a private client, a client outside
the EU, a quote turned invoice, many lines; an intra-cooperative invoice has none);
their UBL is downloaded and all of it goes through ONE peppol-validate run,
with deliberately broken copies that must fail in the same run.
"""

from __future__ import annotations

import asyncio
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import segno
from lxml import etree

from ..unit.test_documents_pdf import _dark, _qr_modules, _text
from .conftest import BE_COMPANY, NL_COMPANY, PERSON, SCHOOL, US_COMPANY, Platform, line
from .test_documents_peppol import NS, ValidatorUnavailable, _parse_report, _validator

EXEMPTION = "Exemption de TVA – article 44, § 2, 4° du Code de la TVA"


async def _make_documents(platform: Platform) -> dict[str, bytes]:
    """One UBL per situation, all made through the HTTP API."""
    _, activity, headers = await platform.member_with_activity()
    http = platform.http
    be = await platform.client(headers, activity, BE_COMPANY)
    nl = await platform.client(headers, activity, NL_COMPANY)
    school = await platform.client(headers, activity, SCHOOL)
    person = await platform.client(headers, activity, PERSON)
    us = await platform.client(headers, activity, US_COMPANY)  # no Peppol id: a PDF, no UBL
    us_on_peppol = await platform.client(headers, activity, {**US_COMPANY, "peppol_id": "0060:123456789"})
    other_owner = await platform.member()
    sister = await platform.activity(other_owner, name="Jardin Partagé")
    internal = await platform.client(headers, activity, {
        "kind": "company", "name": "Coopérative Partagée – Jardin Partagé", "language": "fr",
        "address": {"street": "Rue de la Coopération 12", "postal_code": "1000", "city": "Bruxelles",
                    "country": "BE"}}, cooperative_activity_id=sister)

    made: dict[str, dict[str, Any]] = {}
    made["domestic-four-rates"] = await platform.issued(headers, activity, be["id"], [
        line("Création sonore du spectacle « Lune »", "12", "HUR", "65.00", "21"),
        line("Hébergement des artistes", "3", "DAY", "89.90", "12"),
        line("Livrets du spectacle (imprimés)", "150", "C62", "2.35", "6"),
        line("Programme illustré", "40", "C62", "4.125", "6"),
        line("Abonnement au journal", "4", "C62", "12.00", "0"),
    ], buyer_reference="PO-4521")
    made["reverse-charge-eu"] = await platform.issued(headers, activity, nl["id"], [
        line("Sound design for the exhibition 'Noord'", "5", "DAY", "480.00", None),
        line("Mixing and mastering", "6.5", "HUR", "75.00", None),
    ])
    made["exempt"] = await platform.issued(headers, activity, school["id"], [
        line("Cours de musique assistée par ordinateur", "20", "HUR", "55.00", None),
    ], exemption_reference=EXEMPTION)
    made["private-client"] = await platform.issued(headers, activity, person["id"], [
        line("Portrait de famille", "1", "LS", "350.00", "21"),
        line("Tirages", "12", "C62", "7.499", "21"),
    ])
    made["non-eu-company"] = await platform.issued(headers, activity, us_on_peppol["id"], [
        line("Mastering of the album 'Kent Avenue'", "14", "HUR", "90.00", None),
    ])  # services to a business outside the EU: category O
    made["export-of-goods"] = await platform.issued(headers, activity, us_on_peppol["id"], [
        line("Instruments de musique fabriqués main", "2", "C62", "1450.00", None),
    ], supply_type="goods")
    made["supplied-in-february"] = await platform.issued(headers, activity, be["id"], [
        {**line("Hébergement des artistes", "3", "DAY", "89.90", None), "vat_category": "accommodation",
         "supply_date": "2026-02-20"},
        line("Création sonore", "2", "HUR", "65.00", "21"),
    ], service_period={"start": "2026-02-01", "end": "2026-02-28"})
    made["supplied-on-a-day"] = await platform.issued(headers, activity, be["id"], [
        line("Captation", "1", "LS", "400.00", "21")], supply_date="2026-02-27")
    made["intra-cooperative"] = await platform.issued(headers, activity, internal["id"], [
        line("Prêt de matériel son", "2", "DAY", "40.00", None),
    ])
    made["many-lines"] = await platform.issued(headers, activity, be["id"], [
        line(f"Séance de répétition n° {i}", f"{1 + i % 7}.{i % 4}", "HUR", f"{30 + i}.{i % 100:02d}{i % 9}",
             ("21", "12", "6", "0")[i % 4]) for i in range(1, 121)
    ])
    # A quote accepted through the client link, then invoiced.
    quote = (await http.post("/api/v1/quotes", headers=headers, json={
        "activity_id": activity, "client_id": be["id"], "valid_until": "2099-12-31",
        "lines": [line("Captation vidéo", "1", "LS", "1200.00", "21")]})).json()
    token = (await http.post(f"/api/v1/quotes/{quote['id']}/send", headers=headers)).json()["client_link_token"]
    assert (await http.post(f"/api/v1/public/quotes/{token}/accept")).status_code == 200
    from_quote = (await http.post(f"/api/v1/quotes/{quote['id']}/invoice", headers=headers)).json()
    issued = await http.post(f"/api/v1/invoices/{from_quote['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    made["from-quote"] = issued.json()

    for name, credited in (("credit-note-domestic", "domestic-four-rates"),
                           ("credit-note-reverse-charge", "reverse-charge-eu"),
                           ("credit-note-private-client", "private-client"),
                           ("credit-note-supplied-in-february", "supplied-in-february")):
        response = await http.post(f"/api/v1/invoices/{made[credited]['id']}/credit-note", headers=headers,
                                   json={"reason": "Facturé par erreur"})
        assert response.status_code == 201, response.text
        made[name] = response.json()

    # Credited unit by unit: three notes of 0.03 + 21 % VAT (0.01 each on its own) share the invoice's 0.02.
    units = await platform.issued(headers, activity, be["id"], [line("Timbre", "3", "C62", "0.03", "21")])
    for n in (1, 2, 3):
        response = await http.post(f"/api/v1/invoices/{units['id']}/credit-note", headers=headers,
                                   json={"reason": "Non livré", "lines": [{"line": 0, "quantity": "1"}]})
        assert response.status_code == 201, response.text
        made[f"credit-note-unit-{n}"] = response.json()
    vats = [made[f"credit-note-unit-{n}"]["totals"]["vat_total"] for n in (1, 2, 3)]
    assert [Decimal(v) for v in vats] == [Decimal("0.01"), Decimal("0.00"), Decimal("0.01")]
    assert (await http.get(f"/api/v1/invoices/{units['id']}", headers=headers)).json()["status"] == "cancelled"

    # Money between two activities is no sale: an internal number, no Peppol document, no PDF.
    internal_doc = made.pop("intra-cooperative")
    assert internal_doc["number"].startswith("INT-") and internal_doc["structured_communication"] is None
    refused = await http.get(f"/api/v1/invoices/{internal_doc['id']}/ubl", headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invoice.internal_transfer"
    assert (await http.get(f"/api/v1/invoices/{internal_doc['id']}/pdf", headers=headers)).status_code == 409

    unaddressable = {"private-client", "credit-note-private-client"}
    made["non-eu-company-outside-peppol"] = await platform.issued(headers, activity, us["id"], [
        line("Mastering", "1", "HUR", "90.00", None)])
    unaddressable.add("non-eu-company-outside-peppol")
    documents = {}
    for name, invoice in made.items():
        response = await http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=headers)
        if name in unaddressable:  # no Peppol id: refused, never addressed to someone else; the PDF is made
            assert response.status_code == 422, response.text
            assert response.json()["error"]["code"] == "invoice.ubl_buyer_unaddressable"
            assert response.json()["error"]["field"] == "client.peppol_id"
            pdf = await http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            continue
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        documents[f"{name}.xml"] = response.content
    return documents


def _broken_totals(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    payable = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    payable.text = str(Decimal(payable.text) + 100)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _no_buyer_endpoint(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    party = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    party.remove(party.find("cbc:EndpointID", NS))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


BROKEN = {
    "broken-totals.xml": ("domestic-four-rates.xml", _broken_totals, "BR-CO-16"),
    "broken-no-buyer-endpoint.xml": ("domestic-four-rates.xml", _no_buyer_endpoint, "PEPPOL-EN16931-R010"),
}


async def test_every_ubl_the_api_produces_passes_peppol_and_broken_copies_fail(
        platform: Platform, tmp_path: Path) -> None:
    documents = await _make_documents(platform)
    assert len(documents) == 15
    for name, (source, damage, _) in BROKEN.items():
        documents[name] = damage(documents[source])
    for name, content in documents.items():
        (tmp_path / name).write_bytes(content)
    try:
        tool = _validator()
    except ValidatorUnavailable as problem:
        pytest.fail(str(problem))  # never skipped: a missing validator is a failure
    done = await asyncio.to_thread(subprocess.run, [str(tool), *sorted(documents)], cwd=tmp_path,
                                   capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), f"peppol-validate could not run:\n{done.stdout}{done.stderr}"
    results = _parse_report(done.stdout)
    assert set(results) == set(documents), done.stdout
    for name in documents:
        status, problems = results[name]
        if name in BROKEN:
            assert status == "FAIL", done.stdout
            rule = BROKEN[name][2]
            assert any(p.startswith(f"fatal {rule}:") for p in problems), done.stdout
        else:
            assert (status, problems) == ("OK", []), f"{name}:\n{done.stdout}"
    assert done.returncode == 1


async def test_ubl_says_whether_the_client_is_reachable_on_peppol(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    company = await platform.client(headers, activity, BE_COMPANY)
    person = await platform.client(headers, activity, PERSON)
    invoice = await platform.issued(headers, activity, company["id"])
    response = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=headers)
    assert response.headers["x-peppol-routable"] == "true"
    root = etree.fromstring(response.content)
    found = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (found.get("schemeID"), found.text) == ("0208", "0765432146")  # the buyer's own
    assert root.find("cac:PaymentMeans/cbc:PaymentID", NS).text == invoice["structured_communication"]
    # A private person has no Peppol id: no UBL (never one naming the cooperative in its place), a PDF.
    private = await platform.issued(headers, activity, person["id"])
    refused = await platform.http.get(f"/api/v1/invoices/{private['id']}/ubl", headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invoice.ubl_buyer_unaddressable"
    assert (await platform.http.get(f"/api/v1/invoices/{private['id']}/pdf", headers=headers)).status_code == 200


async def test_pdf_opens_with_every_mention_and_the_epc_qr_code_of_the_amount_due(platform: Platform) -> None:
    from invoicing.adapters.documents.epc_qr import epc_transfer, make_epc_qr
    from invoicing.adapters.documents.from_invoice import invoice_document

    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY)
    invoice = await platform.issued(headers, activity, client["id"], [
        line("Création sonore", "12", "HUR", "65.00", "21"), line("Livrets", "150", "C62", "2.35", "6")],
        buyer_reference="PO-77")
    response = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in ["Coopérative Partagée SC", "N° TVA BE0123456749", "Facture", invoice["number"],
                     "Théâtre de la Lune SRL", "N° TVA BE0765432146", "PO-77", "Activité : Atelier Sonore",
                     "1.132,50 €", "184,95 €", "1.317,45 €", "IBAN: BE71 0961 2345 6769", "BIC: GKCCBEBB",
                     f"Communication structurée: {invoice['structured_communication']}"]:
        assert expected in text, f"{expected!r} missing from:\n{text}"
    # The QR code drawn in the PDF is the EPC code of this invoice's amount due.
    document, _ = invoice_document(await platform.ctx.invoices.get(invoice["id"]), platform.ctx.seller)
    transfer = epc_transfer(document)
    assert transfer.amount == Decimal("1317.45") == Decimal(invoice["totals"]["amount_due"])
    assert transfer.reference == invoice["structured_communication"].strip("+").replace("/", "")
    assert transfer.iban == "BE71096123456769" and transfer.bic == "GKCCBEBB"
    assert _qr_modules(pdf) == _dark(make_epc_qr(transfer).matrix)
    payload = "\n".join(["BCD", "002", "1", "SCT", "GKCCBEBB", "Coopérative Partagée SC", "BE71096123456769",
                         "EUR1317.45", "", transfer.reference])
    # ...and that code is exactly the EPC069-12 payload, field by field.
    assert make_epc_qr(transfer).matrix == segno.make(payload, error="M", encoding="utf-8", micro=False,
                                                      boost_error=False).matrix


async def test_reverse_charge_pdf_says_autoliquidation(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, NL_COMPANY, language="fr")
    invoice = await platform.issued(headers, activity, client["id"], [line(vat_rate=None)])
    assert invoice["vat"] == {"treatment": "reverse_charge", "legal_reference": None, "mention": "Autoliquidation"}
    text = _text((await platform.http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)).content)
    assert "\nAutoliquidation\n" in text
    assert "N° TVA NL000099998B57" in text


async def test_documents_of_a_draft_do_not_exist_yet(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    draft = await platform.draft(headers, activity, client["id"])
    for kind in ("pdf", "ubl"):
        response = await platform.http.get(f"/api/v1/invoices/{draft['id']}/{kind}", headers=headers)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invoice.not_issued"
