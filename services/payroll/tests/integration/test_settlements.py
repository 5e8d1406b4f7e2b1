"""Refunds paid, internal transfers and credit notes arriving before the payments they refund."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop_shared.contracts.invoicing import InternalTransferApproved, InvoiceCredited, RefundPaid
from payroll.adapters.ledger_repository import LedgerRepository
from payroll.domain.ledger import BANK, REFUNDS_PAYABLE, activity_account
from payroll.domain.position import PaymentNotYetBooked

from .conftest import Payroll

D = Decimal


def _approved(transfer_id: str, amount: str) -> InternalTransferApproved:
    return InternalTransferApproved(transfer_id=transfer_id, invoice_id=f"inv-{transfer_id}", number="INT-2026-000001",
                                    seller_activity_id="seller", buyer_activity_id="buyer", amount=D(amount),
                                    approved_by="m-buyer")


async def test_a_transfer_is_refused_while_the_buyer_is_short_then_settled_once(payroll: Payroll) -> None:
    for member, activity in (("m-seller", "seller"), ("m-buyer", "buyer")):
        await payroll.member(member)
        await payroll.activity(activity, member)
    ledger = LedgerRepository(payroll.runtime.db, payroll.clock)
    outbox = payroll.runtime.db.outbox

    await payroll.deliver(_approved("t1", "80.00"))  # the buyer has nothing yet
    assert not await ledger.has_transaction("internal-transfer:t1", None)  # type: ignore[arg-type]
    refused = await outbox.find_one({"type": "payroll.internal_transfer.refused.v1"})
    assert refused is not None and '"available_budget":"0.00"' in refused["body"].replace(" ", "")

    invoice = await payroll.invoice("inv-000100", "buyer", "m-buyer", D("100.00"))  # share 93.50
    # Issued but unpaid money is not enough: the fund never lends for a transfer.
    await payroll.deliver(_approved("t2", "80.00"))
    assert not await ledger.has_transaction("internal-transfer:t2", None)  # type: ignore[arg-type]
    await payroll.payment(invoice, "pay-100")
    bank = (await ledger.account_balances([BANK]))[BANK]
    approved = _approved("t3", "80.00")
    envelope = await payroll.deliver(approved)
    await payroll.handlers[envelope.type](envelope)  # redelivered
    await payroll.deliver(approved)  # the same approval under another envelope
    balances = await ledger.account_balances()
    assert balances[activity_account("buyer")] == D("-13.50") and balances[activity_account("seller")] == D("-80.00")
    assert balances[BANK] == bank  # no bank posting
    assert (await payroll.ledger("buyer"))["available_budget"] == "13.50"
    seller = await payroll.ledger("seller")
    assert seller["available_budget"] == "80.00" and seller["statement"]["remaining"] == "80.00"
    assert seller["receivables_cover"] == "0.00"
    assert await outbox.count_documents({"type": "payroll.internal_transfer.settled.v1"}) == 1


async def test_a_credit_note_waits_for_the_payment_it_refunds_and_a_paid_refund_leaves_the_bank(
        payroll: Payroll) -> None:
    await payroll.member("m1")
    await payroll.activity("a1", "m1")
    invoice = await payroll.invoice("inv-000200", "a1", "m1", D("1000.00"))
    credited = InvoiceCredited(
        invoice_id=invoice.invoice_id, number=invoice.number, credit_note_id="cn-1",
        credit_note_number="CN-2026-000001", activity_id="a1", member_id="m1", total_excl_vat=D("1000.00"),
        total_incl_vat=D("1210.00"), total_vat=D("210.00"), outstanding_activity_share=D("0.00"),
        refund_id="r-1", refund_incl_vat=D("1210.00"), refund_excl_vat=D("1000.00"), refund_vat=D("210.00"),
        refund_contribution=D("65.00"), refund_activity_share=D("935.00"))
    with pytest.raises(PaymentNotYetBooked):  # requeued by the consumer, not dead-lettered
        await payroll.deliver(credited)
    await payroll.payment(invoice, "pay-200")
    await payroll.deliver(credited)
    ledger = LedgerRepository(payroll.runtime.db, payroll.clock)
    balances = {k: v for k, v in (await ledger.account_balances()).items() if v != 0}
    assert balances == {BANK: D("1210.00"), REFUNDS_PAYABLE: D("-1210.00")}
    await payroll.deliver(RefundPaid(refund_id="r-1", invoice_id=invoice.invoice_id, credit_note_id="cn-1",
                                     activity_id="a1", amount=D("1210.00"), paid_on=date(2026, 4, 3),
                                     paid_by="advisor-1"))
    assert {k: v for k, v in (await ledger.account_balances()).items() if v != 0} == {}
