"""Credit notes on money already received, through both services' APIs and the real broker.

10 h × 65.00 at 21 %: 650.00 excl. VAT, 136.50 VAT, 786.50 due; contribution
6.5 % = 42.25, activity share 607.75.
"""

from __future__ import annotations

from decimal import Decimal

from payroll.domain.ledger import (
    BANK,
    CLIENTS_VAT_RECEIVABLE,
    COOPERATIVE_CONTRIBUTION,
    GUARANTEE_FUND,
    REFUNDS_PAYABLE,
    VAT_PAYABLE,
    activity_account,
    guarantee_advances_account,
)

from .conftest import Money, eventually, line

D = Decimal
ZERO = D("0.00")


def _nonzero(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {account: amount for account, amount in balances.items() if amount != 0}


async def test_vat_is_due_at_issue_and_a_credit_note_reverses_it(money: Money) -> None:
    _, activity, headers = await money.member_with_activity()
    invoice = await money.issued(headers, activity, await money.client(headers, activity))
    await money.settled(f"invoice-issued:{invoice['id']}")
    balances = await money.balances()
    assert balances[VAT_PAYABLE] == D("-136.50") and balances[CLIENTS_VAT_RECEIVABLE] == D("136.50")
    assert D((await money.ledger(activity))["available_budget"]) == 0  # nothing received, nothing to spend

    note = await money.credit(headers, invoice["id"])
    await money.settled(f"credit-note:{note['id']}")
    assert _nonzero(await money.balances()) == {}
    assert (await money.invoice(headers, invoice["id"]))["refunds"] == []  # nothing was paid: nothing owed back


async def test_a_credit_note_after_full_payment_reverses_the_bookings_and_owes_a_refund(money: Money) -> None:
    member, activity, headers = await money.member_with_activity()
    invoice = await money.issued(headers, activity, await money.client(headers, activity))
    paid = await money.pay(invoice["id"], "786.50")
    assert paid.status_code == 201, paid.text
    payment_id = paid.json()["payment"]["id"]
    await money.settled(f"payment:{payment_id}")
    assert D((await money.ledger(activity))["available_budget"]) == D("607.75")

    note = await money.credit(headers, invoice["id"])
    await money.settled(f"credit-note:{note['id']}")
    # Exactly what the money booked is reversed: the share, the contribution, the VAT.
    ledger = await money.ledger(activity)
    assert D(ledger["available_budget"]) == 0
    assert D(ledger["statement"]["contribution"]) == D("42.25")  # what was received...
    assert _nonzero(await money.balances()) == {BANK: D("786.50"), REFUNDS_PAYABLE: D("-786.50")}

    # ...and the refund owed to the client, listed and shown on the credited invoice.
    cancelled = await money.invoice(headers, invoice["id"])
    assert cancelled["status"] == "cancelled" and cancelled["credited_amount"] == "786.50"
    [ref] = cancelled["refunds"]
    assert (ref["amount"], ref["status"], ref["credit_note_id"]) == ("786.50", "due", note["id"])
    advisor = money.auth("advisor-1", "advisor")
    listed = (await money.invoicing.get("/api/v1/refunds", headers=advisor)).json()["items"]
    [refund] = [r for r in listed if r["invoice_id"] == invoice["id"]]
    assert (refund["amount"], refund["status"], refund["client_name"]) == ("786.50", "due", "Théâtre de la Lune SRL")
    assert refund["client_iban"] is None  # paid by hand: no bank statement named the account
    mine = (await money.invoicing.get("/api/v1/refunds", headers=headers)).json()["items"]
    assert [r["id"] for r in mine] == [refund["id"]]
    stranger, _, stranger_headers = await money.member_with_activity()
    assert (await money.invoicing.get("/api/v1/refunds", headers=stranger_headers)).json()["items"] == []
    assert (await money.invoicing.get(f"/api/v1/refunds/{refund['id']}",
                                      headers=stranger_headers)).status_code == 404

    # Only staff marks it paid; then the bank pays it out and the books are empty again.
    denied = await money.invoicing.post(f"/api/v1/refunds/{refund['id']}/mark-paid", headers=headers, json={})
    assert denied.status_code == 403
    done = await money.invoicing.post(f"/api/v1/refunds/{refund['id']}/mark-paid", headers=advisor,
                                      json={"reference": "SEPA 17"})
    assert done.status_code == 200 and done.json()["status"] == "paid", done.text
    again = await money.invoicing.post(f"/api/v1/refunds/{refund['id']}/mark-paid", headers=advisor, json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "refund.not_due"
    assert (await money.invoice(headers, invoice["id"]))["refunds"][0]["status"] == "paid"
    await money.settled(f"refund-paid:{refund['id']}")
    assert _nonzero(await money.balances()) == {}
    assert member != stranger


async def test_a_credit_note_after_a_partial_payment_refunds_the_paid_part_only(money: Money) -> None:
    _, activity, headers = await money.member_with_activity()
    invoice = await money.issued(headers, activity, await money.client(headers, activity))
    paid = await money.pay(invoice["id"], "300.00")
    payment = paid.json()["payment"]
    await money.settled(f"payment:{payment['id']}")
    assert D((await money.ledger(activity))["available_budget"]) == D(payment["activity_share"])

    note = await money.credit(headers, invoice["id"])
    await money.settled(f"credit-note:{note['id']}")
    assert D((await money.ledger(activity))["available_budget"]) == 0
    # The unpaid 486.50 asks nothing of anyone; the paid 300.00 is owed back, VAT accrual gone.
    assert _nonzero(await money.balances()) == {BANK: D("300.00"), REFUNDS_PAYABLE: D("-300.00")}
    [ref] = (await money.invoice(headers, invoice["id"]))["refunds"]
    assert ref["amount"] == "300.00"
    assert (await money.ledger(activity))["receivables_cover"] == "0.00"


async def test_after_an_advance_a_credit_note_leaves_it_owed_by_the_activity(money: Money) -> None:
    member, activity, headers = await money.member_with_activity()
    client = await money.client(headers, activity)
    invoice = await money.issued(headers, activity, client)
    await money.settled(f"invoice-issued:{invoice['id']}")
    await eventually(lambda: money.ledger(activity), lambda ledger: ledger["receivables_cover"] == "607.75")
    salary = await money.request_salary(member, activity, 2, gross="400.00")  # costs 540.00, all advanced
    assert salary.status_code == 201, salary.text
    assert D(salary.json()["advance"]) == D("540.00")

    note = await money.credit(headers, invoice["id"])
    await money.settled(f"credit-note:{note['id']}")
    ledger = await money.ledger(activity)
    # The fund absorbs nothing (only a write-off is absorbed): the advance is the activity's debt,
    # so its budget is below zero by exactly that advance.
    assert D(ledger["statement"]["absorbed_by_guarantee_fund"]) == 0
    assert D(ledger["available_budget"]) == D("-540.00")
    assert D(ledger["outstanding_advance"]) == 0 and D(ledger["receivables_cover"]) == 0
    balances = await money.balances()
    assert balances.get(GUARANTEE_FUND, ZERO) == 0
    assert balances[activity_account(activity)] == D("540.00")
    assert balances.get(guarantee_advances_account(activity), ZERO) == 0

    # No new salary until later income has repaid it...
    refused = await money.request_salary(member, activity, 1, gross="100.00", week=1)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_budget"
    assert "owes 540.00" in refused.json()["error"]["message"]
    # ...and later income repays it first.
    second = await money.issued(headers, activity, client)
    paid = await money.pay(second["id"], "786.50")
    await money.settled(f"payment:{paid.json()['payment']['id']}")
    assert D((await money.ledger(activity))["available_budget"]) == D("607.75") - D("540.00")


async def test_a_write_off_after_an_advance_is_absorbed_by_the_fund(money: Money) -> None:
    member, activity, headers = await money.member_with_activity()
    invoice = await money.issued(headers, activity, await money.client(headers, activity))
    await money.settled(f"invoice-issued:{invoice['id']}")
    await eventually(lambda: money.ledger(activity), lambda ledger: ledger["receivables_cover"] == "607.75")
    assert (await money.request_salary(member, activity, 2, gross="400.00")).status_code == 201
    db = money.invoicing_app.state.runtime.db
    # Straight to the formal notice having been sent: write-offs need it.
    await db.invoices.update_one({"_id": invoice["id"]}, {"$set": {"reminders.formal_notice": "2026-04-01"}})
    response = await money.invoicing.post(f"/api/v1/invoices/{invoice['id']}/write-off", headers=money.admin,
                                          json={"reason": "Client insolvent"})
    assert response.status_code == 200, response.text
    await money.settled(f"write-off:{invoice['id']}")
    ledger = await money.ledger(activity)
    assert D(ledger["statement"]["absorbed_by_guarantee_fund"]) == D("540.00")
    assert D(ledger["available_budget"]) == 0


async def test_partial_credit_notes_follow_the_same_rules_pro_rata_to_the_cent(money: Money) -> None:
    _, activity, headers = await money.member_with_activity()
    lines = [line("Création sonore", "10", "65.00", "21"), line("Livrets", "7", "3.33", "21")]
    invoice = await money.issued(headers, activity, await money.client(headers, activity), lines)
    totals = invoice["totals"]
    assert (totals["total_excl_vat"], totals["vat_total"], totals["total_incl_vat"]) == ("673.31", "141.40", "814.71")
    first = await money.pay(invoice["id"], "333.33")
    await money.settled(f"payment:{first.json()['payment']['id']}")

    # 1. Part of a line, less than what is unpaid: nothing is refunded, the client owes less.
    small = await money.credit(headers, invoice["id"], lines=[{"line": 1, "quantity": "3"}])
    assert small["totals"]["total_incl_vat"] == "12.09"  # 9.99 + 2.10 VAT
    await money.settled(f"credit-note:{small['id']}")
    after_small = await money.invoice(headers, invoice["id"])
    assert after_small["status"] == "partially_paid" and after_small["outstanding"] == "469.29"
    assert after_small["refunds"] == [] and len(after_small["credit_notes"]) == 1
    balances = await money.balances()
    assert balances[VAT_PAYABLE] == D("-139.30")  # 141.40 accrued, 2.10 credited

    # 2. An amount beyond what is unpaid: the unpaid rest is cancelled, the excess is refunded
    #    pro rata of what the payment booked.
    big = await money.credit(headers, invoice["id"], lines=[{"line": 0, "quantity": "8"}])
    assert big["totals"]["total_incl_vat"] == "629.20"  # 520.00 + 109.20
    await money.settled(f"credit-note:{big['id']}")
    credited = await money.invoice(headers, invoice["id"])
    assert credited["status"] == "paid" and credited["outstanding"] == "0.00"
    [ref] = credited["refunds"]
    assert ref["amount"] == str(D("629.20") - D("469.29"))  # 159.91
    # 3. The rest of the invoice: all of it refunded, the books back to nothing but the refunds owed.
    rest = await money.credit(headers, invoice["id"], lines=[{"line": 0, "quantity": "2"},
                                                             {"line": 1, "quantity": "4"}])
    await money.settled(f"credit-note:{rest['id']}")
    final = await money.invoice(headers, invoice["id"])
    assert final["status"] == "cancelled" and final["credited_amount"] == "814.71"
    assert sum(D(r["amount"]) for r in final["refunds"]) == D("333.33")
    assert _nonzero(await money.balances()) == {BANK: D("333.33"), REFUNDS_PAYABLE: D("-333.33")}
    assert D((await money.ledger(activity))["available_budget"]) == 0
    too_much = await money.invoicing.post(f"/api/v1/invoices/{invoice['id']}/credit-note", headers=headers,
                                          json={"reason": "again", "amount_excl_vat": "1.00"})
    assert too_much.status_code in (409, 422)


async def test_a_partial_credit_note_by_amount(money: Money) -> None:
    _, activity, headers = await money.member_with_activity()
    invoice = await money.issued(headers, activity, await money.client(headers, activity))
    note = await money.credit(headers, invoice["id"], amount_excl_vat="50.00")
    assert note["totals"]["total_incl_vat"] == "60.50"
    await money.settled(f"credit-note:{note['id']}")
    paid = await money.pay(invoice["id"], "726.00")
    assert paid.status_code == 201 and paid.json()["invoice"]["outstanding"] == "0.00", paid.text
    await money.settled(f"payment:{paid.json()['payment']['id']}")
    # 600.00 excl. VAT in the end: contribution 39.00, share 561.00, VAT 126.00, to the cent.
    ledger = await money.ledger(activity)
    assert D(ledger["available_budget"]) == D("561.00")
    balances = _nonzero(await money.balances())
    assert balances == {BANK: D("726.00"), VAT_PAYABLE: D("-126.00"), COOPERATIVE_CONTRIBUTION: D("-39.00"),
                        activity_account(activity): D("-561.00")}
