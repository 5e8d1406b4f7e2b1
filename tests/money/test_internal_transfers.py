"""An invoice from one activity to another: a transfer the buyer approves, settled from budget to budget."""

from __future__ import annotations

from decimal import Decimal

from payroll.domain.ledger import BANK, activity_account

from .conftest import Money, eventually, line

D = Decimal


async def test_an_internal_invoice_is_a_transfer_the_buyer_approves_and_payroll_settles(money: Money) -> None:
    _, seller_activity, seller_headers = await money.member_with_activity()
    _, buyer_activity, buyer_headers = await money.member_with_activity()
    _, _, stranger_headers = await money.member_with_activity()
    internal_client = await money.client(seller_headers, seller_activity, {
        "kind": "company", "name": "Coopérative – Jardin Partagé", "language": "fr",
        "address": {"street": "Rue de la Coopération 12", "postal_code": "1000", "city": "Bruxelles",
                    "country": "BE"}}, cooperative_activity_id=buyer_activity)
    invoice = await money.issued(seller_headers, seller_activity, internal_client,
                                 [line("Prêt de matériel son", "2", "40.00", None)])
    # Its own series, no structured communication, no legal sales number, no Peppol document.
    assert invoice["number"] == "INT-2026-000001" and invoice["structured_communication"] is None
    assert (invoice["contribution"], invoice["totals"]["vat_total"]) == ("0.00", "0.00")
    ubl = await money.invoicing.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=seller_headers)
    assert ubl.status_code == 409 and ubl.json()["error"]["code"] == "invoice.internal_transfer"
    sale = await money.issued(seller_headers, seller_activity, await money.client(seller_headers, seller_activity))
    assert sale["number"] == "2026-000001"  # the legal series did not move

    # Never paid by bank or by hand.
    refused = await money.pay(invoice["id"], "80.00")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invoice.internal_transfer"
    # Never guarantee cover for the seller.
    await money.settled(f"invoice-issued:{sale['id']}")
    seller_ledger = await eventually(lambda: money.ledger(seller_activity),
                                     lambda ledger: ledger["receivables_cover"] != "0.00")
    assert seller_ledger["receivables_cover"] == sale["activity_share"]  # the sale only, not the transfer

    # Visible to both activities' managers, to nobody else.
    for headers in (seller_headers, buyer_headers):
        [transfer] = (await money.invoicing.get("/api/v1/internal-transfers", headers=headers)).json()["items"]
        assert (transfer["status"], transfer["amount"], transfer["number"]) == ("pending", "80.00", invoice["number"])
        assert (transfer["seller_activity_id"], transfer["buyer_activity_id"]) == (seller_activity, buyer_activity)
    assert (await money.invoicing.get("/api/v1/internal-transfers", headers=stranger_headers)).json()["items"] == []
    url = f"/api/v1/internal-transfers/{transfer['id']}"
    assert (await money.invoicing.get(url, headers=stranger_headers)).status_code == 404
    # Only the buyer's manager approves; not while the buyer's budget is short.
    assert (await money.invoicing.post(f"{url}/approve", headers=seller_headers)).status_code == 403
    short = await money.invoicing.post(f"{url}/approve", headers=buyer_headers)
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_budget"

    # The buyer earns 607.75 from a client; invoicing hears of the budget from payroll.
    buyer_sale = await money.issued(buyer_headers, buyer_activity, await money.client(buyer_headers, buyer_activity))
    paid = await money.pay(buyer_sale["id"], "786.50")
    await money.settled(f"payment:{paid.json()['payment']['id']}")
    read_model = money.invoicing_app.state.context.read_model
    await eventually(lambda: read_model.budget(buyer_activity), lambda known: known is not None)
    bank_before = (await money.balances())[BANK]

    approved = await money.invoicing.post(f"{url}/approve", headers=buyer_headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    settled = await eventually(lambda: money.invoicing.get(url, headers=buyer_headers),
                               lambda response: response.json()["status"] == "settled")
    assert settled.json()["status"] == "settled"
    assert (await money.invoice(seller_headers, invoice["id"]))["status"] == "paid"

    # One balanced transaction, buyer debited, seller credited, no bank posting.
    db = money.payroll_app.state.runtime.db
    booked = await db.ledger_transactions.find_one({"_id": f"internal-transfer:{transfer['id']}"})
    assert {p["account"]: p["amount"] for p in booked["postings"]} == {
        activity_account(buyer_activity): D("80.00"), activity_account(seller_activity): D("-80.00")}
    assert (await money.balances())[BANK] == bank_before
    assert D((await money.ledger(buyer_activity))["available_budget"]) == D("607.75") - D("80.00")
    seller_after = await money.ledger(seller_activity)
    assert D(seller_after["available_budget"]) == D("80.00")
    assert any(e["source_key"] == f"internal-transfer:{transfer['id']}" for e in seller_after["entries"])
    assert D(seller_after["statement"]["remaining"]) == D("80.00")
    again = await money.invoicing.post(f"{url}/approve", headers=buyer_headers)
    assert again.status_code == 409


async def test_the_buyer_rejects_and_the_internal_invoice_is_cancelled(money: Money) -> None:
    _, seller_activity, seller_headers = await money.member_with_activity()
    _, buyer_activity, buyer_headers = await money.member_with_activity()
    internal_client = await money.client(seller_headers, seller_activity, {
        "kind": "company", "name": "Coopérative – Atelier", "language": "fr",
        "address": {"street": "Rue 1", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}},
        cooperative_activity_id=buyer_activity)
    invoice = await money.issued(seller_headers, seller_activity, internal_client, [line(vat_rate=None)])
    [transfer] = (await money.invoicing.get("/api/v1/internal-transfers", headers=buyer_headers)).json()["items"]
    rejected = await money.invoicing.post(f"/api/v1/internal-transfers/{transfer['id']}/reject",
                                          headers=buyer_headers, json={"reason": "Not ordered by us"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected", rejected.text
    assert (await money.invoice(seller_headers, invoice["id"]))["status"] == "cancelled"
    assert D((await money.ledger(seller_activity))["available_budget"]) == 0
