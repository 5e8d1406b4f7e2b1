"""Bad input is a 4xx with a stable code and the field at fault, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BE_COMPANY, NL_COMPANY, PERSON, Platform, line


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(("lines", "code", "field"), [
    ([line(vat_rate="7")], "line.vat_rate_unknown", "lines[0].vat_rate"),
    ([line(), line(vat_rate="19.6")], "line.vat_rate_unknown", "lines[1].vat_rate"),
    ([line(vat_rate=None)], "line.vat_rate_required", "lines[0].vat_rate"),
    ([line(quantity="-2")], "line.quantity_not_positive", "lines[0].quantity"),
    ([line(quantity="0")], "line.quantity_not_positive", "lines[0].quantity"),
    ([line(unit_price="-1")], "money.negative", "lines[0].unit_price"),
    ([line(unit="XYZ")], "line.unit_code_unknown", "lines[0].unit_code"),
    ([line(description="   ")], "validation_error", "lines.0.description"),
    ([line(quantity="abc")], "validation_error", "lines.0.quantity"),
    ([line(unit_price="1.0000001")], "validation_error", "lines.0.unit_price"),
    ([], "validation_error", "lines"),
])
async def test_bad_lines_are_refused_with_the_field(platform: Platform, lines: list[dict[str, Any]], code: str,
                                                    field: str) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    response = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": lines})
    error = _error(response, 422)
    assert (error["code"], error["field"]) == (code, field)


async def test_a_rate_is_refused_where_no_belgian_vat_applies(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, NL_COMPANY)
    response = await platform.http.post("/api/v1/invoices", headers=headers, json={
        "activity_id": activity, "client_id": client["id"], "lines": [line(vat_rate="21")]})
    error = _error(response, 422)
    assert (error["code"], error["field"]) == ("line.vat_rate_not_applicable", "lines[0].vat_rate")


@pytest.mark.parametrize(("body", "code", "field"), [
    ({**BE_COMPANY, "vat_number": "BE0765432147"}, "client.vat_number_invalid", "vat_number"),
    ({**BE_COMPANY, "vat_number": "BE2765432146"}, "client.vat_number_invalid", "vat_number"),
    ({**NL_COMPANY, "vat_number": "NL000099998B58"}, "client.vat_number_invalid", "vat_number"),
    ({**BE_COMPANY, "vat_number": "NL000099998B57"}, "client.vat_country_mismatch", "vat_number"),
    ({**BE_COMPANY, "enterprise_number": "0812345603"}, "client.enterprise_number_mismatch", "enterprise_number"),
    ({**BE_COMPANY, "peppol_id": "0208:0812345603"}, "client.peppol_id_mismatch", "peppol_id"),
    ({**BE_COMPANY, "email": "not-an-address"}, "client.email_invalid", "email"),
    ({**BE_COMPANY, "address": {**BE_COMPANY["address"], "country": "XX"}}, "country.invalid", "country"),
    ({**PERSON, "vat_number": "BE0765432146"}, "client.person_has_company_id", "vat_number"),
    ({**BE_COMPANY, "kind": "robot"}, "validation_error", "kind"),
    ({**BE_COMPANY, "nickname": "Lune"}, "validation_error", "nickname"),
])
async def test_bad_clients_are_refused_with_the_field(platform: Platform, body: dict[str, Any], code: str,
                                                      field: str) -> None:
    _, activity, headers = await platform.member_with_activity()
    response = await platform.http.post("/api/v1/clients", headers=headers, json={**body, "activity_id": activity})
    error = _error(response, 422)
    assert (error["code"], error["field"]) == (code, field)


async def test_belgian_company_gets_its_peppol_id_and_cannot_be_registered_twice(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, {**BE_COMPANY, "vat_number": "be 0765.432.146"})
    assert (client["vat_number"], client["enterprise_number"], client["peppol_id"], client["eu"]) == (
        "BE0765432146", "0765432146", "0208:0765432146", True)
    again = await platform.http.post("/api/v1/clients", headers=headers, json={**BE_COMPANY, "activity_id": activity})
    error = _error(again, 409)
    assert (error["code"], error["field"]) == ("client.duplicate", "vat_number")
    changed = await platform.http.patch(f"/api/v1/clients/{client['id']}", headers=headers,
                                        json={"vat_number": "BE0812345603"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["peppol_id"] == "0208:0812345603"
    bad = await platform.http.patch(f"/api/v1/clients/{client['id']}", headers=headers, json={"vat_number": "BE1"})
    assert _error(bad, 422)["code"] == "client.vat_number_invalid"


async def test_an_issued_invoice_is_never_edited_nor_deleted(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    invoice = await platform.issued(headers, activity, client["id"])
    http = platform.http
    edit = await http.patch(f"/api/v1/invoices/{invoice['id']}", headers=headers, json={"lines": [line()]})
    error = _error(edit, 409)
    assert error["code"] == "invoice.not_editable"
    assert "credit note" in error["message"]
    delete = await http.delete(f"/api/v1/invoices/{invoice['id']}", headers=headers)
    assert _error(delete, 409)["code"] == "invoice.not_deletable"
    unchanged = (await http.get(f"/api/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert unchanged == invoice


async def test_a_draft_is_edited_and_deleted(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    other = await platform.client(headers, activity, PERSON)
    draft = await platform.draft(headers, activity, client["id"])
    http = platform.http
    edited = await http.patch(f"/api/v1/invoices/{draft['id']}", headers=headers, json={
        "client_id": other["id"], "lines": [line(quantity="2", unit_price="100", vat_rate="6")],
        "buyer_reference": "REF-9", "payment_term_days": 15})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["client"]["name"], body["buyer_reference"], body["payment_term_days"]) == (
        "Camille Martin", "REF-9", 15)
    assert body["totals"]["total_incl_vat"] == "212.00"
    # A new client under another VAT regime needs the lines again.
    nl = await platform.client(headers, activity, NL_COMPANY)
    regime = await http.patch(f"/api/v1/invoices/{draft['id']}", headers=headers, json={"client_id": nl["id"]})
    assert (_error(regime, 422)["code"], regime.json()["error"]["field"]) == ("lines.required", "lines")
    assert (await http.delete(f"/api/v1/invoices/{draft['id']}", headers=headers)).status_code == 204
    assert (await http.get(f"/api/v1/invoices/{draft['id']}", headers=headers)).status_code == 404


async def test_an_exemption_needs_no_rate_and_bad_payloads_never_reach_500(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity)
    exempt = await platform.draft(headers, activity, client["id"], [line(vat_rate=None)],
                                  exemption_reference="Article 44, § 2, 4° du Code de la TVA")
    assert exempt["vat"]["treatment"] == "exempt" and exempt["lines"][0]["vat_category"] == "E"
    http = platform.http
    for response in [
        await http.post("/api/v1/invoices", headers=headers, content=b"{not json"),
        await http.post("/api/v1/invoices", headers=headers, json=[1, 2]),
        await http.post("/api/v1/invoices", headers=headers, json={"activity_id": activity}),
        await http.get("/api/v1/invoices", headers=headers, params={"cursor": "!!!"}),
        await http.get("/api/v1/invoices", headers=headers, params={"limit": 1000}),
        await http.get("/api/v1/invoices/pricing", headers=headers, params={"labour": "-5"}),
    ]:
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"]["code"]


@pytest.mark.parametrize(("where", "value", "field"), [
    ("client", {"name": "Théâtre\x00 SRL"}, "name"),
    ("client", {"address": {**BE_COMPANY["address"], "street": "Avenue\x1f des Arts 7"}}, "address.street"),
    ("invoice", {"lines": [line(description="Création\ufffe sonore")]}, "lines.0.description"),
    ("invoice", {"buyer_reference": "PO\x0b-42"}, "buyer_reference"),
])
async def test_xml_invalid_characters_are_refused_naming_the_field(platform: Platform, where: str,
                                                                   value: dict[str, Any], field: str) -> None:
    _, activity, headers = await platform.member_with_activity()
    if where == "client":
        response = await platform.http.post("/api/v1/clients", headers=headers,
                                            json={**BE_COMPANY, "activity_id": activity, **value})
    else:
        client = await platform.client(headers, activity)
        response = await platform.http.post("/api/v1/invoices", headers=headers, json={
            "activity_id": activity, "client_id": client["id"], "lines": [line()], **value})
    error = _error(response, 422)
    assert (error["code"], error["field"]) == ("invalid_characters", field)


async def test_tab_and_line_breaks_stay_allowed_and_the_ubl_renders(platform: Platform) -> None:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, BE_COMPANY)
    issued = await platform.issued(headers, activity, client["id"],
                                   [line(description="Mixage\tfinal\r\nstéréo")], buyer_reference="PO 42")
    ubl = await platform.http.get(f"/api/v1/invoices/{issued['id']}/ubl", headers=headers)
    assert ubl.status_code == 200 and "Mixage\tfinal" in ubl.text
