"""The accountant's ZIP of a period's sales documents, on the real service and database."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

from structlog.testing import capture_logs

from invoicing.adapters.document_store import FileStore

from .conftest import PERSON, Platform, line

ARCHIVE = "/api/v1/accounting/sales-documents"


async def _archive(platform: Platform, **params: str) -> bytes:
    response = await platform.http.get(ARCHIVE, params=params, headers=platform.auth("admin-1", "admin"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content


async def test_a_period_holds_each_document_as_the_client_received_it_with_an_index(platform: Platform) -> None:
    _, activity_id, headers = await platform.member_with_activity()
    company = await platform.client(headers, activity_id)  # a Belgian company: reachable on Peppol
    person = await platform.client(headers, activity_id, PERSON)  # no Peppol id: a PDF only
    sold = await platform.issued(headers, activity_id, company["id"])
    to_person = await platform.issued(headers, activity_id, person["id"])
    await platform.draft(headers, activity_id, company["id"])  # a draft has no number: no document yet
    response = await platform.http.post(f"/api/v1/invoices/{sold['id']}/credit-note", headers=headers,
                                        json={"reason": "Cancelled concert"})
    assert response.status_code == 201, response.text
    credit = response.json()

    today = platform.ctx.clock.today().isoformat()
    content = await _archive(platform, **{"from": today, "to": today})
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted([
        f"invoices/{sold['number']}.pdf", f"invoices/{sold['number']}.xml", f"invoices/{to_person['number']}.pdf",
        f"credit-notes/{credit['number']}.pdf", f"credit-notes/{credit['number']}.xml", "index.csv"])

    pdf = await platform.http.get(f"/api/v1/invoices/{sold['id']}/pdf", headers=headers)
    assert archive.read(f"invoices/{sold['number']}.pdf") == pdf.content  # the stored file, not a new rendering
    ubl = await platform.http.get(f"/api/v1/invoices/{credit['id']}/ubl", headers=headers)
    assert archive.read(f"credit-notes/{credit['number']}.xml") == ubl.content

    rows: dict[str, dict[str, Any]] = {
        row["number"]: row for row in csv.DictReader(io.StringIO(archive.read("index.csv").decode()))}
    assert set(rows) == {sold["number"], to_person["number"], credit["number"]}
    assert rows[credit["number"]]["kind"] == "credit_note"
    assert rows[credit["number"]]["credited_number"] == sold["number"]
    assert rows[to_person["number"]]["ubl"] == "" and rows[to_person["number"]]["client_name"] == PERSON["name"]
    for number, invoice in ((sold["number"], sold), (to_person["number"], to_person)):
        assert Decimal(rows[number]["total_incl_vat"]) == Decimal(invoice["totals"]["total_incl_vat"])
        assert Decimal(rows[number]["total_excl_vat"]) + Decimal(rows[number]["vat"]) == \
            Decimal(rows[number]["total_incl_vat"])

    # The same period asked again gives the same bytes; a period before gives an index and nothing else.
    assert await _archive(platform, **{"from": today, "to": today}) == content
    yesterday = (platform.ctx.clock.today() - timedelta(days=1)).isoformat()
    empty = zipfile.ZipFile(io.BytesIO(await _archive(platform, **{"from": yesterday, "to": yesterday})))
    assert empty.namelist() == ["index.csv"] and len(empty.read("index.csv").decode().splitlines()) == 1


async def test_an_internal_transfer_is_no_sale_and_stays_out_of_the_archive(platform: Platform) -> None:
    _, activity_id, headers = await platform.member_with_activity()
    sister = await platform.activity(await platform.member(), name="Jardin Partagé")
    other_activity = await platform.client(headers, activity_id, {
        "kind": "company", "name": "Coopérative Partagée – Jardin Partagé", "language": "fr",
        "address": {"street": "Rue de la Coopération 12", "postal_code": "1000", "city": "Bruxelles",
                    "country": "BE"}}, cooperative_activity_id=sister)
    sold = await platform.issued(headers, activity_id, (await platform.client(headers, activity_id))["id"])
    with capture_logs() as logs:
        transfer = await platform.issued(headers, activity_id, other_activity["id"],
                                         [line("Prêt de matériel son", "2", "DAY", "40.00", None)])
    assert transfer["number"].startswith("INT-")
    # Nothing is rendered for it (there is no legal document to render), so nothing fails either.
    assert [e for e in logs if e["log_level"] in ("error", "critical")] == []
    assert await FileStore(platform.ctx.runtime.db).summaries(transfer["id"]) == []

    today = platform.ctx.clock.today().isoformat()
    archive = zipfile.ZipFile(io.BytesIO(await _archive(platform, **{"from": today, "to": today})))
    assert sorted(archive.namelist()) == sorted([f"invoices/{sold['number']}.pdf", f"invoices/{sold['number']}.xml",
                                                 "index.csv"])
    numbers = [row["number"] for row in csv.DictReader(io.StringIO(archive.read("index.csv").decode()))]
    assert numbers == [sold["number"]]


async def test_bad_periods_and_people_who_are_not_administrators_are_refused(platform: Platform) -> None:
    admin = platform.auth("admin-1", "admin")

    async def refused(params: dict[str, str], headers: dict[str, str] = admin) -> tuple[int, dict[str, Any]]:
        response = await platform.http.get(ARCHIVE, params=params, headers=headers)
        return response.status_code, response.json()["error"]

    status, error = await refused({"from": "2026-04-30", "to": "2026-04-01"})
    assert status == 422 and error["field"] == "to" and error["code"] == "period_reversed"
    status, error = await refused({"from": "2026-01-01", "to": "2027-03-01"})
    assert status == 422 and error["code"] == "period_too_long"
    status, error = await refused({"to": "2026-04-01"})
    assert status == 422 and "from" in str(error)
    member = await platform.member()
    status, _ = await refused({"from": "2026-04-01", "to": "2026-04-30"}, platform.auth(member))
    assert status == 403
