"""Refunds paid back to clients as one SEPA credit-transfer order
(``coop_shared.sepa``), its refusals raised as invoicing's own errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from coop_shared.sepa import MAX_NAME, CreditTransfer, Debtor, PaymentFileError, credit_transfer_order
from invoicing.domain.errors import DomainValidationError


def refund_credit_transfer(debtor: Debtor, transfers: Sequence[CreditTransfer], execution_date: date, *,
                           message_id: str, created_at: datetime) -> bytes:
    """The pain.001 of one batch of refunds, schema-validated. A client's legal
    name longer than a bank shows is cut, not refused: the IBAN pays, the name informs."""
    shortened = [replace(t, creditor_name=" ".join(t.creditor_name.split())[:MAX_NAME]) for t in transfers]
    try:
        return credit_transfer_order(debtor, shortened, execution_date, message_id=message_id,
                                     created_at=created_at, field="refunds")
    except PaymentFileError as error:
        raise DomainValidationError(f"refund.{error.code}", error.message, error.field) from error
