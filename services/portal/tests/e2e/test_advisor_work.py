"""What advisors and administrators do in the portal: review an invoice (ask for changes, then approve; refuse
another: nl),
see the members they support, import a bank statement (fr) and place the money no invoice took (en)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Platform
from tests.e2e.journey import Api

pytestmark = pytest.mark.e2e
ACCOUNT = "BE71096123456769"  # the account printed on the invoices: the one statements are accepted for


def _draft(api: Api, member: dict[str, Any], unit_price: str) -> dict[str, Any]:
    created = api.post("/api/v1/invoices", member["headers"], json={
        "activity_id": member["activity_id"], "client_id": member["client_id"],
        "lines": [{"description": "Design work", "quantity": "1", "unit_price": unit_price, "vat_rate": "21"}]})
    assert created.status_code == 201, created.text
    found: dict[str, Any] = created.json()
    return found


def _entry(number: int, amount: str, remittance: str, debtor: str) -> str:
    return (
        f"<Ntry><NtryRef>{number}</NtryRef><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        f"<RvslInd>false</RvslInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt>"
        f"<ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>REF-{uuid.uuid4().hex[:12]}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{number}</EndToEndId></Refs><RltdPties><Dbtr><Nm>{debtor}</Nm>"
        "</Dbtr><DbtrAcct><Id><IBAN>BE68539007547034</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>")


def _statement(paid: dict[str, Any], stranger: str) -> bytes:
    """A camt.053.001.02 file as a Belgian bank writes it: one line pays an invoice, one names no invoice."""
    run = uuid.uuid4().hex[:10]
    ogm = ("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
           f"<Ref>{paid['structured_communication']}</Ref></CdtrRefInf></Strd>")
    entries = _entry(1, paid["totals"]["total_incl_vat"], ogm, "Client SRL") + _entry(
        2, "80.00", "<Ustrd>Merci pour le concert</Ustrd>", stranger)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>MSG-{run}</MsgId><CreDtTm>2026-11-30T18:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>STMT-{run}</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2026-11-30T18:00:00+01:00</CreDtTm>"
        "<FrToDt><FrDtTm>2026-11-30T00:00:00+01:00</FrDtTm><ToDtTm>2026-11-30T23:59:59+01:00</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>").encode()


def test_an_advisor_asks_for_changes_then_approves_an_invoice(platform: Platform, visitor_factory) -> None:  # type: ignore
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        advisor_id, advisor_email, _ = api.register("Noor Raadgever", language="nl")
        assert client.put(api.url(f"/api/v1/admin/members/{advisor_id}/role"), headers=admin,
                          json={"role": "advisor"}).status_code == 200
        member = api.member_with_client(admin, "Rik Reviewed", "Studio Rik", advisor_id)
        draft = _draft(api, member, "400.00")
    client_name = "Studio Rik Client"

    rik = visitor_factory("en")
    rik.log_in(platform.gateway, member["email"])
    rik.page.goto(platform.gateway + f"/app/invoices/{draft['id']}")
    rik.button("Submit for review").click()
    expect(rik.page.get_by_role("status")).to_have_text("Sent to your advisor for review.")
    expect(rik.page.get_by_test_id("review")).to_contain_text("Waiting for the advisor's review.")
    expect(rik.button("Issue")).to_have_count(0)  # nothing is issued before the advisor says so
    rik.check("invoice-in-review")

    noor = visitor_factory("nl")
    noor.log_in(platform.gateway, advisor_email)
    noor.link("Your members").click()
    noor.expect_path("/app/advisor/members")
    expect(noor.page.get_by_role("row", name=re.compile("Rik Reviewed"))).to_contain_text("Studio Rik")
    expect(noor.page.get_by_role("cell", name="Noor Raadgever")).to_have_count(0)  # only the members she supports
    noor.check("advisor-members")

    noor.link("Review queue").click()
    noor.expect_path("/app/review")
    ask = noor.page.get_by_role("button", name=f"{noor._('Ask for changes')}: {client_name}")
    ask.click()  # without saying what: refused next to the field
    message = noor.page.get_by_label(noor._("Message to the member")).first
    expect(noor.page.locator(".field-error")).to_have_text(noor._("Say what the member should change."))
    expect(message).to_have_attribute("aria-invalid", "true")
    noor.check("review-queue-error")
    message.fill("Add the purchase order number, please.")
    noor.page.get_by_role("button", name=f"{noor._('Ask for changes')}: {client_name}").click()
    expect(noor.page.get_by_role("status")).to_have_text(
        noor._("The invoice is back with the member, with your message."))
    expect(noor.page.get_by_role("button", name=f"{noor._('Approve')}: {client_name}")).to_have_count(0)

    rik.page.reload()
    expect(rik.page.get_by_test_id("review")).to_contain_text("The advisor asks for changes.")
    expect(rik.page.get_by_test_id("review")).to_contain_text("Add the purchase order number, please.")
    expect(rik.button("Issue")).to_have_count(0)
    rik.button("Submit for review").click()
    expect(rik.page.get_by_role("status")).to_have_text("Sent to your advisor for review.")

    noor.page.reload()
    noor.page.get_by_role("button", name=f"{noor._('Approve')}: {client_name}").click()
    expect(noor.page.get_by_role("status")).to_have_text(noor._("Invoice approved: the member can issue it."))

    rik.page.reload()
    expect(rik.page.get_by_test_id("review")).to_contain_text("Approved by the advisor: it can be issued.")
    rik.button("Issue").click()
    expect(rik.page.get_by_role("status")).to_have_text("Invoice issued.")
    expect(rik.page.locator(".number")).to_have_text(re.compile(r"^\d{4}-\d{6}$"))

    # A second one she refuses: it is cancelled before it ever has a number, and Rik reads why.
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        refused = _draft(api, member, "9000.00")
        assert api.post(f"/api/v1/invoices/{refused['id']}/submit-for-review", member["headers"]).status_code == 200
    noor.page.goto(platform.gateway + "/app/review")
    reject = noor.page.get_by_role("button", name=f"{noor._('Reject')}: {client_name}")
    reject.click()  # a refusal says why
    expect(noor.page.locator(".field-error")).to_have_text(noor._("Say why you refuse it: the member reads it."))
    noor.page.get_by_label(noor._("Message to the member")).fill("Dit is geen opdracht van de coöperatie.")
    noor.page.get_by_role("button", name=f"{noor._('Reject')}: {client_name}").click()
    expect(noor.page.get_by_role("status")).to_have_text(
        noor._("Invoice refused: it is cancelled and will never be issued."))
    expect(noor.page.get_by_test_id("invoice-review")).to_have_count(0)
    rik.page.goto(platform.gateway + f"/app/invoices/{refused['id']}")
    expect(rik.page.get_by_test_id("review")).to_contain_text(
        "The advisor refused this invoice: it is cancelled and will never be issued.")
    expect(rik.page.get_by_test_id("review")).to_contain_text("Dit is geen opdracht van de coöperatie.")
    expect(rik.button("Issue")).to_have_count(0)
    expect(rik.page.locator(".number")).to_have_count(0)
    rik.check("invoice-refused")


def test_an_administrator_imports_a_statement_and_places_what_no_invoice_took(  # type: ignore[no-untyped-def]
        platform: Platform, visitor_factory, tmp_path) -> None:
    stranger = f"Inconnu {uuid.uuid4().hex[:6]} SA"
    with httpx.Client(timeout=15) as client:
        api = Api(client, platform.gateway)
        admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        member = api.member_with_client(admin, "Lena Paid", "Studio Lena")
        paid, target = (_draft(api, member, price) for price in ("100.00", "200.00"))
        paid = api.post(f"/api/v1/invoices/{paid['id']}/issue", member["headers"]).json()
        target = api.post(f"/api/v1/invoices/{target['id']}/issue", member["headers"]).json()
    statement = tmp_path / "statement.xml"
    statement.write_bytes(_statement(paid, stranger))

    boss = visitor_factory("fr")
    boss.log_in(platform.gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    boss.page.locator("#language-switch").select_option("fr")  # the administrator's profile says English
    boss.page.locator("#language-switch ~ button").click()
    expect(boss.page.locator("html")).to_have_attribute("lang", "fr")
    boss.link("Bank statements").click()
    boss.expect_path("/app/admin/bank-statements")
    boss.button("Import").click()  # no file chosen
    expect(boss.page.locator(".field-error")).to_have_text(boss._("Choose the bank's camt.053 file."))
    boss.label("Statement file (camt.053)").set_input_files(str(statement))
    boss.button("Import").click()
    outcome = boss.page.get_by_test_id("import-outcome")
    expect(outcome.get_by_role("heading")).to_have_text(boss._("Imported"))
    expect(outcome.get_by_role("row", name=boss._("Paid an invoice"))).to_contain_text("1")
    expect(outcome.get_by_role("row", name=boss._("No invoice found"))).to_contain_text("1")
    boss.check("bank-statement-imported")
    boss.label("Statement file (camt.053)").set_input_files(str(statement))  # the same file again: nothing changes
    boss.button("Import").click()
    expect(outcome.get_by_role("heading")).to_have_text(boss._("Already imported: nothing changed"))
    expect(outcome.get_by_role("row", name=boss._("Already imported"))).to_contain_text("2")
    with httpx.Client(timeout=15) as client:
        assert client.get(f"{platform.gateway}/api/v1/invoices/{paid['id']}",
                          headers=member["headers"]).json()["status"] == "paid"

    boss.link("Unmatched payments").first.click()
    boss.expect_path("/app/review/payments")
    boss.page.locator("#language-switch").select_option("en")
    boss.page.locator("#language-switch ~ button").click()
    expect(boss.page.locator("html")).to_have_attribute("lang", "en")
    lines = boss.page.get_by_test_id("unmatched").filter(has_text=stranger)
    expect(lines).to_contain_text("No reference")
    number = lines.get_by_label("Invoice number")
    number.fill("2026-999999")
    lines.get_by_label("Amount (empty: what the invoice still asks)").fill("50.00")
    lines.get_by_role("button", name="Assign").click()
    lines = boss.page.get_by_test_id("unmatched").filter(has_text=stranger)
    expect(lines.locator(".field-error")).to_have_text("No invoice has this number.")
    expect(lines.get_by_label("Amount (empty: what the invoice still asks)")).to_have_value("50.00")  # kept
    lines.get_by_label("Invoice number").fill(target["number"])
    lines.get_by_role("button", name="Assign").click()
    expect(boss.page.get_by_role("status")).to_have_text(f"Assigned to invoice {target['number']}.")
    lines = boss.page.get_by_test_id("unmatched").filter(has_text=stranger)
    expect(lines.get_by_role("heading")).to_contain_text("30,00 €")  # what is left, formatted as in Belgium
    boss.check("unmatched-payments")
    lines.get_by_label("Why it is returned").fill("Not ours: returned to the sender.")
    lines.get_by_role("button", name="Returned to the payer").click()
    expect(boss.page.get_by_role("status")).to_have_text("Recorded as returned to the payer.")
    expect(boss.page.get_by_test_id("unmatched").filter(has_text=stranger)).to_have_count(0)
    with httpx.Client(timeout=15) as client:
        after = client.get(f"{platform.gateway}/api/v1/invoices/{target['id']}", headers=member["headers"]).json()
    assert (after["status"], after["amount_paid"]) == ("partially_paid", "50.00")
