"""VAT by the law of the day of supply: dated rates from the settings, the day or
period printed and carried in the UBL, category O for services outside the EU,
the enterprise number of a Belgian company, no invented buyer endpoint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from coop_shared.clock import DayClock
from invoicing.config import VatRateRow
from invoicing.domain.vat import RateCategory

from ..unit.test_documents_pdf import _flat
from .conftest import BE_COMPANY, US_COMPANY, Platform, line
from .test_documents_peppol import NS

D = Decimal


def _accommodation(supply_date: str | None = None, vat_rate: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {**line("Hébergement des artistes", "2", "DAY", "100.00", vat_rate),
                            "vat_category": "accommodation"}
    if supply_date is not None:
        item["supply_date"] = supply_date
    return item


async def _documents(platform: Platform, headers: dict[str, str], invoice: dict[str, Any]) -> tuple[Any, str]:
    ubl = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=headers)
    pdf = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
    assert ubl.status_code == 200 and pdf.status_code == 200, (ubl.text, pdf.text)
    return etree.fromstring(ubl.content), _flat(pdf.content)


async def test_a_february_stay_invoiced_in_march_is_at_6_percent_a_march_one_at_12(platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2026, 3, 10))
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY)

    february = await platform.issued(headers, activity, client["id"], [_accommodation()],
                                     service_period={"start": "2026-02-16", "end": "2026-02-27"})
    march = await platform.issued(headers, activity, client["id"], [_accommodation()])
    one_line = await platform.issued(headers, activity, client["id"], [
        _accommodation("2026-02-28"), _accommodation("2026-03-01")])
    assert (february["lines"][0]["vat_rate"], february["totals"]["vat_total"]) == ("6", "12.00")
    assert (march["lines"][0]["vat_rate"], march["totals"]["vat_total"]) == ("12", "24.00")
    assert [x["vat_rate"] for x in one_line["lines"]] == ["6", "12"]
    assert february["service_period"] == {"start": "2026-02-16", "end": "2026-02-27"}

    # The period (BT-73/74) and each line's own day are in the UBL, and printed.
    root, text = await _documents(platform, headers, february)
    assert root.find("cac:InvoicePeriod/cbc:StartDate", NS).text == "2026-02-16"
    assert root.find("cac:InvoicePeriod/cbc:EndDate", NS).text == "2026-02-27"
    assert root.find("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", NS).text == "6"
    assert "Période de prestation 16/02/2026 – 27/02/2026" in text
    root, text = await _documents(platform, headers, one_line)
    periods = root.findall("cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate", NS)
    assert [p.text for p in periods] == ["2026-02-28", "2026-03-01"]
    assert "Presté le 28/02/2026" in text and "Presté le 01/03/2026" in text

    # A day of supply (BT-72) for the whole invoice.
    dated = await platform.issued(headers, activity, client["id"], [_accommodation()], supply_date="2026-02-20")
    assert dated["lines"][0]["vat_rate"] == "6"
    root, text = await _documents(platform, headers, dated)
    assert root.find("cac:Delivery/cbc:ActualDeliveryDate", NS).text == "2026-02-20"
    assert "Date de la prestation 20/02/2026" in text

    # A typed rate that is not the law on the day of supply is refused, naming the line.
    wrong = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [_accommodation(vat_rate="12")],
        "supply_date": "2026-02-20"})
    assert wrong.status_code == 422
    assert (wrong.json()["error"]["code"], wrong.json()["error"]["field"]) == (
        "line.vat_rate_mismatch", "lines[0].vat_rate")
    outside = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [_accommodation("2026-03-02")],
        "service_period": {"start": "2026-02-01", "end": "2026-02-28"}})
    assert outside.status_code == 422 and outside.json()["error"]["field"] == "lines[0].supply_date"


async def test_a_draft_of_february_issued_after_the_change_takes_the_new_rate_or_keeps_its_supply_day(
        platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2026, 2, 25))
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY)
    undated = await platform.draft(headers, activity, client["id"], [_accommodation()])
    dated = await platform.draft(headers, activity, client["id"], [_accommodation()], supply_date="2026-02-25")
    assert undated["lines"][0]["vat_rate"] == dated["lines"][0]["vat_rate"] == "6"

    platform.ctx.clock = DayClock(date(2026, 3, 2))
    refused = await platform.http.post(f"/api/v1/invoices/{undated['id']}/issue", headers=headers)
    assert refused.status_code == 422  # supplied on the issue date, after the change: not at the old rate
    assert refused.json()["error"]["code"] == "line.vat_rate_changed"
    issued = await platform.http.post(f"/api/v1/invoices/{dated['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    assert issued.json()["lines"][0]["vat_rate"] == "6"
    touched = await platform.http.patch(f"/api/v1/invoices/{undated['id']}", headers=headers,
                                        json={"buyer_reference": "PO-77"})
    assert touched.json()["lines"][0]["vat_rate"] == "12"  # re-taken for its day of supply
    assert (await platform.http.post(f"/api/v1/invoices/{undated['id']}/issue", headers=headers)).status_code == 200


async def test_rates_are_dated_settings_not_constants(platform: Platform) -> None:
    platform.ctx.clock = DayClock(date(2027, 2, 1))
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY)
    settings = platform.ctx.settings
    settings.vat_rates = [*settings.vat_rates,
                          VatRateRow(category=RateCategory.STANDARD, rate=D("22"), effective_from=date(2027, 1, 1))]
    invoice = await platform.issued(headers, activity, client["id"], [
        {**line("Mix", "1", "C62", "100.00", None), "vat_category": "standard"},
        {**line("Mix", "1", "C62", "100.00", None), "vat_category": "standard", "supply_date": "2026-12-31"}])
    assert [x["vat_rate"] for x in invoice["lines"]] == ["22", "21"]
    rates = await platform.http.get("/api/v1/vat-rates", headers=headers)
    assert {"category": "standard", "rate": "22", "effective_from": "2027-01-01"} in [
        {k: str(v) for k, v in r.items()} for r in rates.json()["in_force"]]


async def test_services_to_a_business_outside_the_eu_are_category_o_with_its_legal_basis(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    us = await platform.client(headers, activity, {**US_COMPANY, "peppol_id": "0060:123456789"})
    services = await platform.issued(headers, activity, us["id"], [line("Mastering", "10", "HUR", "90.00", None)])
    assert (services["vat"]["treatment"], services["lines"][0]["vat_category"]) == ("services_outside_eu", "O")
    root, text = await _documents(platform, headers, services)
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert category.find("cbc:ID", NS).text == "O"
    assert category.find("cbc:TaxExemptionReasonCode", NS).text == "VATEX-EU-O"
    reason = category.find("cbc:TaxExemptionReason", NS).text
    assert "Article 21(2)" in reason and "outside the scope" in reason
    assert "Article 21(2)" in text  # the printed legal basis is the one the UBL carries

    goods = await platform.issued(headers, activity, us["id"], [line("Guitar", "1", "C62", "900.00", None)],
                                  supply_type="goods")
    root, text = await _documents(platform, headers, goods)
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert (category.find("cbc:ID", NS).text, category.find("cbc:TaxExemptionReasonCode", NS).text) == (
        "G", "VATEX-EU-G")
    assert "Article 39(1)" in category.find("cbc:TaxExemptionReason", NS).text and "Article 39(1)" in text


async def test_a_belgian_company_has_its_enterprise_number_and_a_buyer_without_peppol_id_gets_no_ubl(
        platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    without = {**BE_COMPANY, "vat_number": None}
    refused = await platform.http.post("/api/v1/clients", headers=headers, json={**without, "activity_id": activity})
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "client.enterprise_number_required", "enterprise_number")
    from_vat = await platform.client(headers, activity, BE_COMPANY)
    assert from_vat["enterprise_number"] == "0765432146"  # derived from BE0765432146
    invoice = await platform.issued(headers, activity, from_vat["id"])
    root, _ = await _documents(platform, headers, invoice)
    legal = root.find("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert (legal.get("schemeID"), legal.text) == ("0208", "0765432146")

    us = await platform.client(headers, activity, US_COMPANY)  # no Peppol id, no number to derive one from
    abroad = await platform.issued(headers, activity, us["id"], [line("Mastering", "1", "HUR", "90.00", None)])
    ubl = await platform.http.get(f"/api/v1/invoices/{abroad['id']}/ubl", headers=headers)
    assert ubl.status_code == 422
    assert ubl.json()["error"]["code"] == "invoice.ubl_buyer_unaddressable"
    assert b"0123456749" not in ubl.content  # the cooperative's own id never stands in for the buyer
    pdf = await platform.http.get(f"/api/v1/invoices/{abroad['id']}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
