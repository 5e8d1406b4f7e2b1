"""Salary batches as SEPA credit-transfer orders (``coop_shared.sepa``), its
refusals raised as payroll's own errors (same codes and fields)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from coop_shared.sepa import CreditTransfer, Debtor, PaymentFileError, credit_transfer_order
from payroll.domain.errors import DomainError


def salary_credit_transfer(debtor: Debtor, payments: Sequence[CreditTransfer], execution_date: date, *,
                           message_id: str, created_at: datetime) -> bytes:
    """The pain.001.001.03 XML for one batch of salary payments, schema-validated."""
    try:
        return credit_transfer_order(debtor, payments, execution_date, message_id=message_id, created_at=created_at)
    except PaymentFileError as error:
        raise DomainError(error.code, error.message, error.field) from error
