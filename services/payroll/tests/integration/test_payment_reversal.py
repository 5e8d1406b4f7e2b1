"""A client payment the bank took back: the ledger undoes exactly what it booked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop_shared.contracts.invoicing import PaymentReceived, PaymentReversed
from payroll.adapters.ledger_repository import LedgerRepository

from .conftest import Payroll, work_days

D = Decimal
MAY = date(2026, 5, 4)


def _reversal(paid: PaymentReceived, outstanding: Decimal) -> PaymentReversed:
    return PaymentReversed(
        payment_id=paid.payment_id, invoice_id=paid.invoice_id, invoice_number=paid.invoice_number,
        activity_id=paid.activity_id, member_id=paid.member_id, reversed_on=date(2026, 5, 20), amount=paid.amount,
        amount_excl_vat=paid.amount_excl_vat, vat=paid.vat, contribution=paid.contribution,
        activity_share=paid.activity_share, outstanding_incl_vat=outstanding, invoice_status="issued")


async def test_a_reversed_payment_owes_the_advance_again_and_takes_back_the_share(payroll: Payroll) -> None:
    await payroll.member("m1")
    await payroll.activity("a1", "m1")
    invoice = await payroll.invoice("inv-000001", "a1", "m1", D("1000.00"))
    at_issue = await LedgerRepository(payroll.runtime.db, payroll.clock).account_balances()  # VAT is accrued at issue
    salary = await payroll.request_salary("m1", "a1", work_days(MAY, 2), gross="400.00")
    assert salary.status_code == 201, salary.text
    cost = D(salary.json()["advance"])
    paid = await payroll.payment(invoice, "pay-1")  # repays the advance first
    assert D((await payroll.ledger("a1"))["outstanding_advance"]) == 0

    reversal = _reversal(paid, invoice.total_incl_vat)
    await payroll.deliver(reversal, event_id="rev-1")
    await payroll.deliver(reversal, event_id="rev-2")  # announced twice: booked once
    after = await payroll.ledger("a1")
    assert D(after["outstanding_advance"]) == cost  # owed to the fund again
    assert D(after["available_budget"]) == 0  # the 935.00 share is gone, the advance covers the salary again
    assert D(after["guarantee_headroom"]) == D("935.00") - cost  # the invoice is cover again
    statement = after["statement"]
    assert (D(statement["contribution"]), D(statement["advance_repayments"])) == (0, 0)
    assert D(statement["remaining"]) == D(after["available_budget"])
    entry = next(e for e in after["entries"] if e["source_key"] == "payment-reversal:pay-1")
    assert (D(entry["advance_change"]), D(entry["budget_change"])) == (cost, -(D("935.00") - cost))

    ledger = LedgerRepository(payroll.runtime.db, payroll.clock)
    assert await ledger.unbalanced_transactions() == []
    balances = await ledger.account_balances()
    assert sum(balances.values(), D(0)) == 0
    for account in ("bank", "cooperative:contribution"):
        assert balances.get(account, D(0)) == 0  # the bank and the contribution are back where they were
    for account in ("vat_payable", "clients:vat_receivable"):
        assert balances[account] == at_issue[account] != 0  # the VAT stays as the invoice accrued it


async def test_a_reversal_before_its_payment_waits_for_it(payroll: Payroll) -> None:
    await payroll.member("m2")
    await payroll.activity("a2", "m2")
    invoice = await payroll.invoice("inv-000002", "a2", "m2", D("200.00"))
    early = PaymentReversed(
        payment_id="pay-2", invoice_id=invoice.invoice_id, invoice_number=invoice.number, activity_id="a2",
        member_id="m2", reversed_on=date(2026, 5, 20), amount=D("242.00"), amount_excl_vat=D("200.00"),
        vat=D("42.00"), contribution=D("13.00"), activity_share=D("187.00"), outstanding_incl_vat=D("242.00"),
        invoice_status="issued")
    with pytest.raises(Exception, match="pay-2") as info:  # retried by the consumer, not dead-lettered
        await payroll.deliver(early, event_id="rev-early")
    assert type(info.value).__name__ == "PaymentNotBookedYet"
    await payroll.payment(invoice, "pay-2")
    assert D((await payroll.ledger("a2"))["available_budget"]) == D("187.00")
    await payroll.deliver(early, event_id="rev-early")
    assert D((await payroll.ledger("a2"))["available_budget"]) == 0
