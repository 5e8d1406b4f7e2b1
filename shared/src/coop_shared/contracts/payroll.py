"""Events produced by the payroll service. Amounts in EUR as decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from coop_shared.contracts.base import Contract
from coop_shared.messaging.envelope import EventPayload


class BudgetChanged(EventPayload):
    """The activity's available budget after any posting (invoicing checks expense claims against it)."""

    event_type: ClassVar[str] = "payroll.budget.changed.v1"

    activity_id: str
    available_budget: Decimal
    ledger_sequence: int = Field(description="Increases with every posting: apply only newer values.")


class ContractCreated(EventPayload):
    event_type: ClassVar[str] = "payroll.contract.created.v1"

    contract_id: str
    member_id: str
    activity_id: str
    basis: Literal["employment", "article_1bis"]
    first_day: date
    last_day: date
    work_days: int
    dimona_reference: str


class DimonaDeclared(EventPayload):
    """The declaration of employment recorded before the first work day (a record: no call to the government)."""

    event_type: ClassVar[str] = "payroll.dimona.declared.v1"

    contract_id: str
    member_id: str
    activity_id: str
    reference: str
    status: Literal["declared"]
    declared_at: datetime
    first_day: date
    last_day: date


class PayslipIssued(EventPayload):
    event_type: ClassVar[str] = "payroll.payslip.issued.v1"

    payslip_id: str
    contract_id: str
    member_id: str
    activity_id: str
    gross: Decimal
    net: Decimal
    employer_cost: Decimal
    due_date: date = Field(description="At the latest 7 days after the last day of work.")


class SalaryPaid(EventPayload):
    event_type: ClassVar[str] = "payroll.salary.paid.v1"

    payslip_id: str
    member_id: str
    activity_id: str
    net: Decimal
    paid_on: date
    payment_batch_id: str


class SalaryAtRisk(EventPayload):
    """A salary may miss its 7-day due date: someone has to act (once per payslip and reason)."""

    event_type: ClassVar[str] = "payroll.salary.at_risk.v1"

    payslip_id: str
    member_id: str
    activity_id: str
    due_date: date
    reason: Literal["no_usable_bank_account", "bank_cannot_execute_in_time", "batch_failed"]
    detail: str
    latest_execution_date: date = Field(description="The last bank business day on or before the due date.")


class AdvanceGranted(EventPayload):
    """The guarantee fund advanced money so a salary could be paid on time."""

    event_type: ClassVar[str] = "payroll.advance.granted.v1"

    advance_id: str
    activity_id: str
    member_id: str
    amount: Decimal
    salary_request_id: str


class AdvanceRepaid(EventPayload):
    event_type: ClassVar[str] = "payroll.advance.repaid.v1"

    activity_id: str
    amount: Decimal
    payment_id: str
    outstanding_advance: Decimal
    invoice_id: str | None = None


class InternalTransferSettled(EventPayload):
    """The amount moved from the buyer activity to the seller activity (one ledger transaction, no bank)."""

    event_type: ClassVar[str] = "payroll.internal_transfer.settled.v1"

    transfer_id: str
    invoice_id: str
    seller_activity_id: str
    buyer_activity_id: str
    amount: Decimal


class InternalTransferRefused(EventPayload):
    """The buyer activity's available budget was short: nothing moved; it can be approved again later."""

    event_type: ClassVar[str] = "payroll.internal_transfer.refused.v1"

    transfer_id: str
    invoice_id: str
    buyer_activity_id: str
    amount: Decimal
    available_budget: Decimal


class WriteOffAbsorbed(EventPayload):
    """An unpaid invoice will never be paid: the guarantee fund takes the advance it no longer covers."""

    event_type: ClassVar[str] = "payroll.write_off.absorbed.v1"

    activity_id: str
    invoice_id: str
    amount: Decimal
    outstanding_advance: Decimal
    reason: Literal["written_off", "credited"]


CONTRACTS: tuple[Contract, ...] = (
    Contract(BudgetChanged, "payroll", ("invoicing", "notifications")),
    Contract(ContractCreated, "payroll", ("governance", "notifications")),
    Contract(DimonaDeclared, "payroll", ("notifications",)),
    Contract(PayslipIssued, "payroll", ("notifications",)),
    Contract(SalaryPaid, "payroll", ("notifications",)),
    Contract(SalaryAtRisk, "payroll", ("notifications",)),
    Contract(AdvanceGranted, "payroll", ("notifications",)),
    Contract(AdvanceRepaid, "payroll", ("notifications",)),
    Contract(WriteOffAbsorbed, "payroll", ("notifications",)),
    Contract(InternalTransferSettled, "payroll", ("invoicing", "notifications")),
    Contract(InternalTransferRefused, "payroll", ("invoicing", "notifications")),
)
