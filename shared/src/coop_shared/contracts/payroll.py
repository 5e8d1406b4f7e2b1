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


class WriteOffAbsorbed(EventPayload):
    """An unpaid invoice will never be paid: the guarantee fund takes the advance it no longer covers."""

    event_type: ClassVar[str] = "payroll.write_off.absorbed.v1"

    activity_id: str
    invoice_id: str
    amount: Decimal
    outstanding_advance: Decimal
    reason: Literal["written_off", "credited"]


CONTRACTS: tuple[Contract, ...] = (
    Contract(BudgetChanged, "payroll", ("invoicing",)),
    Contract(ContractCreated, "payroll", ("governance",)),
    Contract(DimonaDeclared, "payroll", ()),
    Contract(PayslipIssued, "payroll", ("notifications",)),
    Contract(SalaryPaid, "payroll", ("notifications",)),
    Contract(AdvanceGranted, "payroll", ("notifications",)),
    Contract(AdvanceRepaid, "payroll", ()),
    Contract(WriteOffAbsorbed, "payroll", ()),
)
