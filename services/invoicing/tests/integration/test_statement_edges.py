"""Bank statements where books usually break: someone else's account, reversals,
the same booking in two statements, two references, batches that do not add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from coop_shared.clock import DayClock
from coop_shared.contracts.invoicing import PaymentReceived, PaymentReversed

from ..unit.camt_files import ACCOUNT, Line, Statement, statement_xml
from .conftest import Platform, line

D = Decimal
XML = {"Content-Type": "application/xml"}
OTHER_ACCOUNT = "BE68539007547034"


async def _setup(platform: Platform, count: int = 1) -> tuple[dict[str, str], dict[str, str], list[dict[str, Any]]]:
    platform.ctx.clock = DayClock(date(2026, 3, 10))
    _, activity, owner = await platform.member_with_activity(advisor_id="adv-1")
    client = await platform.client(owner, activity)
    invoices = [await platform.issued(owner, activity, client["id"], [line("Mix", "1", "C62", "100.00", "21")])
                for _ in range(count)]
    return owner, platform.auth("adv-1", "advisor"), invoices


async def _import(platform: Platform, staff: dict[str, str], statement: Statement) -> Any:
    return await platform.http.post("/api/v1/bank-statements", headers={**staff, **XML},
                                    content=statement_xml(statement))


async def _invoice(platform: Platform, owner: dict[str, str], invoice: dict[str, Any]) -> dict[str, Any]:
    response = await platform.http.get(f"/api/v1/invoices/{invoice['id']}", headers=owner)
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


async def _lines(platform: Platform, staff: dict[str, str], statement_ref: str) -> list[dict[str, Any]]:
    response = await platform.http.get(f"/api/v1/bank-statements/{statement_ref}/lines", headers=staff)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_statement_of_an_account_that_is_not_the_cooperatives_is_refused(platform: Platform) -> None:
    owner, staff, [invoice] = await _setup(platform)
    foreign = Statement([Line("121.00", ogm=invoice["structured_communication"])], account=OTHER_ACCOUNT)

    refused = await _import(platform, staff, foreign)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bank_statement.foreign_account"
    assert error["field"] == "Stmt[1]/Acct/Id/IBAN"
    assert OTHER_ACCOUNT in error["message"]
    assert (await _invoice(platform, owner, invoice))["status"] == "issued"  # nothing booked
    assert await platform.ctx.bank_lines.collection.count_documents({}) == 0

    # Once the account is declared one of the cooperative's, the same file is imported.
    platform.ctx.settings.cooperative_bank_accounts = f"{ACCOUNT}, {OTHER_ACCOUNT}"
    accepted = await _import(platform, staff, foreign)
    assert accepted.status_code == 201, accepted.text
    assert (await _invoice(platform, owner, invoice))["status"] == "paid"


async def test_a_reversed_payment_reopens_its_invoice_and_is_announced_for_the_ledger(platform: Platform) -> None:
    owner, staff, [invoice] = await _setup(platform)
    ogm = invoice["structured_communication"]
    paid = await _import(platform, staff, Statement(
        [Line("121.00", ogm=ogm, ref="PAY-1", end_to_end_id="CLIENT-E2E-1")], statement_id="STMT-0402"))
    assert paid.status_code == 201 and paid.json()["counts"]["matched"] == 1
    assert (await _invoice(platform, owner, invoice))["status"] == "paid"

    # Two weeks later, after the due date, the payer's bank takes the money back;
    # the same day a debit of the cooperative is reversed (money back in: not a client's).
    platform.ctx.clock = DayClock(date(2026, 4, 16))
    reversal = await _import(platform, staff, Statement([
        Line("121.00", ogm=ogm, ref="RVSL-1", end_to_end_id="CLIENT-E2E-1", credit=False, reversal=True,
             booking_date="2026-04-16"),
        Line("35.00", ref="RVSL-2", reversal=True, booking_date="2026-04-16", text="Retour domiciliation"),
    ], statement_id="STMT-0416", message_id="MSG-0416"))
    assert reversal.status_code == 201, reversal.text
    counts = reversal.json()["counts"]
    assert (counts["reversed"], counts["unmatched"], counts["skipped"]) == (1, 1, 0)

    reopened = await _invoice(platform, owner, invoice)
    assert (reopened["status"], reopened["amount_paid"], reopened["outstanding"]) == ("issued", "0.00", "121.00")
    assert reopened["overdue"] is True  # due on 2026-04-09

    # Both lines are kept and shown: the reversal names the credit it took back, and back.
    second = reversal.json()["statements"][0]["id"]
    by_position = {row["position"]: row for row in await _lines(platform, staff, second)}
    taken_back, reversed_debit = by_position[1], by_position[2]
    assert (taken_back["outcome"], taken_back["reversal"], taken_back["invoice_id"]) == (
        "reversed", True, invoice["id"])
    original = (await _lines(platform, staff, paid.json()["statements"][0]["id"]))[0]
    assert taken_back["reversed_line_id"] == original["id"]
    assert original["reversed_by_line_id"] == taken_back["id"]
    assert (reversed_debit["outcome"], reversed_debit["reason"], reversed_debit["amount"]) == (
        "unmatched", "reversed_debit", "35.00")
    kept = await platform.http.get("/api/v1/payments/unmatched", headers=staff)
    assert [(u["amount"], u["reason"]) for u in kept.json()["items"]] == [("35.00", "reversed_debit")]

    await platform.tap.drain()
    [received] = [PaymentReceived.model_validate(e["data"]) for e in platform.tap.of(PaymentReceived.event_type)]
    [undone] = [PaymentReversed.model_validate(e["data"]) for e in platform.tap.of(PaymentReversed.event_type)]
    assert undone.payment_id == received.payment_id
    assert (undone.amount, undone.amount_excl_vat, undone.vat, undone.contribution, undone.activity_share) == (
        received.amount, received.amount_excl_vat, received.vat, received.contribution, received.activity_share)
    assert (undone.outstanding_incl_vat, undone.invoice_status) == (D("121.00"), "issued")

    # The same reversal reported again changes nothing; a payment afterwards settles the invoice again.
    again = await _import(platform, staff, Statement([
        Line("121.00", ogm=ogm, ref="RVSL-1", end_to_end_id="CLIENT-E2E-1", credit=False, reversal=True,
             booking_date="2026-04-16")], statement_id="STMT-0416-bis", message_id="MSG-0416-bis"))
    assert again.json()["counts"]["duplicate"] == 1
    repaid = await _import(platform, staff, Statement(
        [Line("121.00", ogm=ogm, ref="PAY-2", booking_date="2026-04-17")], statement_id="STMT-0417"))
    assert repaid.json()["counts"]["matched"] == 1
    assert (await _invoice(platform, owner, invoice))["status"] == "paid"


async def test_a_partly_paid_invoice_goes_back_to_partly_paid_when_one_of_its_payments_is_reversed(
        platform: Platform) -> None:
    owner, staff, [invoice] = await _setup(platform)
    ogm = invoice["structured_communication"]
    await _import(platform, staff, Statement([
        Line("21.00", ogm=ogm, ref="PAY-A", end_to_end_id="E2E-A"),
        Line("100.00", ogm=ogm, ref="PAY-B", end_to_end_id="E2E-B")]))
    assert (await _invoice(platform, owner, invoice))["status"] == "paid"
    await _import(platform, staff, Statement([
        Line("100.00", ref="RVSL-B", end_to_end_id="E2E-B", credit=False, reversal=True)],
        statement_id="STMT-R", message_id="MSG-R"))
    doc = await _invoice(platform, owner, invoice)
    assert (doc["status"], doc["amount_paid"], doc["outstanding"]) == ("partially_paid", "21.00", "100.00")


async def test_a_reversal_whose_credit_is_unknown_is_kept_for_an_advisor(platform: Platform) -> None:
    owner, staff, [invoice] = await _setup(platform)
    result = await _import(platform, staff, Statement([
        Line("99.00", ref="RVSL-X", end_to_end_id="NEVER-SEEN", credit=False, reversal=True)]))
    assert result.json()["counts"]["reversal_unmatched"] == 1
    [row] = await _lines(platform, staff, result.json()["statements"][0]["id"])
    assert (row["outcome"], row["reason"], row["reversal"]) == ("reversal_unmatched", "original_credit_not_found",
                                                                  True)
    assert (await _invoice(platform, owner, invoice))["status"] == "issued"


async def test_the_same_booking_in_an_intraday_and_an_end_of_day_statement_is_booked_once(
        platform: Platform) -> None:
    owner, staff, [invoice] = await _setup(platform)
    # No AcctSvcrRef: the bank names the booking by its entry reference and the payer's end-to-end id.
    booking = Line("60.50", ogm=invoice["structured_communication"], servicer_ref=False, entry_ref="NTRY-0402-7",
                   end_to_end_id="PAYER-E2E-42")
    intraday = await _import(platform, staff, Statement([booking], statement_id="INTRADAY-0402", message_id="M1"))
    assert intraday.json()["counts"]["partial"] == 1
    end_of_day = await _import(platform, staff, Statement(
        [booking, Line("60.50", ogm=invoice["structured_communication"], servicer_ref=False, entry_ref="NTRY-0402-8",
                       end_to_end_id="PAYER-E2E-43")],
        statement_id="EOD-0402", message_id="M2"))
    assert end_of_day.status_code == 201, end_of_day.text
    counts = end_of_day.json()["counts"]
    assert (counts["duplicate"], counts["matched"]) == (1, 1)  # the second, new booking settles it
    doc = await _invoice(platform, owner, invoice)
    assert (doc["status"], doc["amount_paid"]) == ("paid", "121.00")
    assert await platform.ctx.payments.collection.count_documents({"invoice_id": invoice["id"]}) == 2


async def test_two_different_structured_communications_are_ambiguous_and_kept(platform: Platform) -> None:
    owner, staff, [first, second] = await _setup(platform, 2)
    result = await _import(platform, staff, Statement([
        Line("121.00", ogm=first["structured_communication"], ogms=(second["structured_communication"],))]))
    assert result.json()["counts"]["unmatched"] == 1
    [row] = await _lines(platform, staff, result.json()["statements"][0]["id"])
    assert (row["outcome"], row["reason"]) == ("unmatched", "ambiguous_reference")
    for invoice in (first, second):
        assert (await _invoice(platform, owner, invoice))["status"] == "issued"


async def test_a_batch_whose_transactions_do_not_add_up_is_kept_for_an_advisor(platform: Platform) -> None:
    owner, staff, [first, second] = await _setup(platform, 2)
    result = await _import(platform, staff, Statement([], batches=[[
        Line("121.00", ogm=first["structured_communication"], ref="TX-1"),
        Line("50.00", ogm=first["structured_communication"], ref="TX-2")]], batch_totals=["200.00"]))
    assert result.status_code == 201, result.text
    assert result.json()["counts"]["unmatched"] == 1
    [row] = await _lines(platform, staff, result.json()["statements"][0]["id"])
    assert (row["outcome"], row["reason"], row["amount"]) == ("unmatched", "batch_details_mismatch", "200.00")
    for invoice in (first, second):
        assert (await _invoice(platform, owner, invoice))["status"] == "issued"
