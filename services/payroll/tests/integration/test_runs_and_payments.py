"""Payroll run -> payslips (data and PDF) -> payment batch -> pain.001 -> paid, and who may see what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sepaxml  # type: ignore[import-untyped,unused-ignore]
from lxml import etree

from coop_shared.contracts.members import AdvisorAssigned
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import BANK, SALARIES_PAYABLE

from .conftest import Payroll, work_days

D = Decimal
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SCHEMA = etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")))
MAY = date(2026, 5, 4)
ADMIN = ("admin-1", "admin")


async def setup_two_workers(payroll: Payroll) -> tuple[str, str]:
    await payroll.member("ada", "Ada Lovelace", iban="BE62510007547061")
    await payroll.member("bob", "Bob Peeters", iban=None)  # no IBAN yet: cannot be paid by transfer
    for member, activity in (("ada", "act-ada"), ("bob", "act-bob")):
        await payroll.activity(activity, member)
        invoice = await payroll.invoice(f"inv-{member}01", activity, member, D("3000.00"))
        await payroll.payment(invoice, f"pay-{member}")
    ada = await payroll.request_salary("ada", "act-ada", work_days(MAY, 2), gross="400.00")
    bob = await payroll.request_salary("bob", "act-bob", [work_days(MAY, 3)[2]], gross="250.00")
    assert ada.status_code == bob.status_code == 201
    return ada.json()["contract"]["id"], bob.json()["contract"]["id"]


def check_payslip_sums(payslip: dict[str, object]) -> None:
    lines = {line["code"]: D(line["amount"]) for line in payslip["lines"]}  # type: ignore[attr-defined]
    assert lines["employment_budget"] == lines["gross"] + lines["employer_social_security"] + lines[
        "other_employer_costs"]
    assert lines["taxable"] == lines["gross"] - lines["employee_social_security"]
    assert lines["net"] == lines["taxable"] - lines["withholding_tax"]
    assert sum(v for k, v in lines.items() if k.startswith("tax_slice_")) == lines["monthly_equivalent_tax"]
    assert D(str(payslip["net"])) == lines["net"]


async def test_run_issues_payslips_then_a_batch_pays_them(payroll: Payroll) -> None:
    ada_contract, _ = await setup_two_workers(payroll)
    admin = payroll.auth(*ADMIN)

    early = await payroll.client.post("/api/v1/payroll/runs", json={"as_of": "2026-05-10"}, headers=admin)
    assert early.status_code == 422 and early.json()["error"]["code"] == "as_of_in_future"

    payroll.clock.move_to(date(2026, 5, 10))
    run = await payroll.client.post("/api/v1/payroll/runs", json={}, headers=admin)
    assert run.status_code == 201, run.text
    assert run.json()["payslips"] == 2 and run.json()["status"] == "done"
    again = await payroll.client.post("/api/v1/payroll/runs", json={}, headers=admin)
    assert again.json()["payslips"] == 0  # every contract has its one payslip
    issued = await payroll.runtime.db.outbox.count_documents({"type": "payroll.payslip.issued.v1"})
    assert issued == 2

    mine = (await payroll.client.get("/api/v1/payslips", headers=payroll.auth("ada"))).json()["items"]
    assert len(mine) == 1 and mine[0]["contract_id"] == ada_contract and mine[0]["due_date"] == "2026-05-12"
    check_payslip_sums(mine[0])
    payslip_id = mine[0]["id"]
    pdf = await payroll.client.get(f"/api/v1/payslips/{payslip_id}/pdf", headers=payroll.auth("ada"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    contract = (await payroll.client.get(f"/api/v1/contracts/{ada_contract}", headers=payroll.auth("ada"))).json()
    assert contract["payslip_id"] == payslip_id

    payroll.clock.advance(minutes=5)
    batched_at = payroll.clock.now()
    batch = await payroll.client.post("/api/v1/payment-batches", json={}, headers=admin)
    assert batch.status_code == 201, batch.text
    body = batch.json()
    assert body["count"] == 1 and body["payments"][0]["payslip_id"] == payslip_id
    # An integrator syncing since the batch sees Ada's payslip (now in the batch), not Bob's (unchanged).
    changed = await payroll.client.get("/api/v1/payslips", headers=admin,
                                       params={"updated_since": batched_at.isoformat()})
    assert [p["id"] for p in changed.json()["items"]] == [payslip_id]
    since_issue = await payroll.client.get("/api/v1/payslips", headers=admin,
                                           params={"updated_since": (batched_at - timedelta(minutes=5)).isoformat()})
    assert len(since_issue.json()["items"]) == 2
    naive = await payroll.client.get("/api/v1/payslips", headers=admin, params={"updated_since": "2026-05-10T12:00:00"})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "updated_since"
    assert body["skipped"] == [{"payslip_id": body["skipped"][0]["payslip_id"], "member_id": "bob",
                                "reason": "no IBAN on record for the member"}]
    nothing = await payroll.client.post("/api/v1/payment-batches", json={}, headers=admin)
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "nothing_to_pay"

    xml = await payroll.client.get(f"/api/v1/payment-batches/{body['id']}/pain001", headers=admin)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(xml.content)
    SCHEMA.assertValid(document)
    amounts = [D(a) for a in document.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=NS)]
    for path in ("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", "p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum"):
        assert D(document.findtext(path, namespaces=NS)) == sum(amounts) == D(body["control_sum"])
    assert amounts == [D(mine[0]["net"])]
    assert (await payroll.client.get(f"/api/v1/payment-batches/{body['id']}/pain001", headers=admin)
            ).content == xml.content  # same batch, same file: the bank refuses it as a duplicate

    paid = await payroll.client.post(f"/api/v1/payment-batches/{body['id']}/mark-paid", json={}, headers=admin)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    twice = await payroll.client.post(f"/api/v1/payment-batches/{body['id']}/mark-paid", json={}, headers=admin)
    assert twice.status_code == 409
    slip = (await payroll.client.get(f"/api/v1/payslips/{payslip_id}", headers=payroll.auth("ada"))).json()
    assert slip["status"] == "paid" and slip["paid_on"] == "2026-05-10"
    event = await payroll.runtime.db.outbox.find_one({"type": "payroll.salary.paid.v1"})
    assert event is not None and payslip_id in event["body"]
    balances = await LedgerRepository(payroll.runtime.db, payroll.clock).account_balances([SALARIES_PAYABLE, BANK])
    # Bob's net is still owed; Ada's left the bank.
    assert -balances[SALARIES_PAYABLE] == D(next(
        p for p in (await payroll.client.get("/api/v1/payslips", headers=admin)).json()["items"]
        if p["member_id"] == "bob")["net"])


async def test_a_member_never_sees_another_members_payroll(payroll: Payroll) -> None:
    ada_contract, _ = await setup_two_workers(payroll)
    payroll.clock.move_to(date(2026, 5, 10))
    assert (await payroll.client.post("/api/v1/payroll/runs", json={}, headers=payroll.auth(*ADMIN))).status_code == 201
    ada_slip = (await payroll.client.get("/api/v1/payslips", headers=payroll.auth("ada"))).json()["items"][0]
    bob = payroll.auth("bob")
    for path in (f"/api/v1/payslips/{ada_slip['id']}", f"/api/v1/payslips/{ada_slip['id']}/pdf",
                 f"/api/v1/contracts/{ada_contract}", f"/api/v1/salary-requests/{ada_slip['contract_id']}",
                 "/api/v1/ledger/activities/act-ada", "/api/v1/payslips?member_id=ada"):
        response = await payroll.client.get(path, headers=bob)
        assert response.status_code == 404, path
    listed = (await payroll.client.get("/api/v1/payslips", headers=bob)).json()["items"]
    assert [p["member_id"] for p in listed] == ["bob"]
    # Members cannot reach the admin endpoints at all.
    for path in ("/api/v1/guarantee-fund", "/api/v1/payment-batches", "/api/v1/payroll/runs"):
        assert (await payroll.client.get(path, headers=bob)).status_code == 403
    assert (await payroll.client.get("/api/v1/payslips")).status_code == 401
    # An advisor sees the members they support, once members says so.
    await payroll.deliver(AdvisorAssigned(member_id="ada", advisor_id="adv-1"))
    advisor = payroll.auth("adv-1", "advisor")
    assert (await payroll.client.get(f"/api/v1/payslips/{ada_slip['id']}", headers=advisor)).status_code == 200
    assert (await payroll.client.get("/api/v1/ledger/activities/act-ada", headers=advisor)).status_code == 200
    assert (await payroll.client.get("/api/v1/ledger/activities/act-bob", headers=advisor)).status_code == 404
