"""Domain errors for payroll.

Every rule violation carries a stable machine-readable ``code`` (the API turns
it into ``{"code", "message", "field", "details"}``), a human message, the
offending input ``field`` when one is to blame, and ``details``: the numbers
behind the refusal, so a member can see *why* (e.g. the available budget, the
guarantee cap and the missing amount). Amounts in ``details`` are strings
("1234.50") so the dict is JSON-ready without losing Decimal precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; clients depend on these strings, never rename one."""

    INVALID_AMOUNT = "invalid_amount"
    INVALID_VALUE = "invalid_value"
    INVALID_PAYROLL_RULES = "invalid_payroll_rules"
    NO_PAYROLL_RULES = "no_payroll_rules"
    BELOW_MINIMUM_GROSS = "below_minimum_gross"
    INSUFFICIENT_BUDGET = "insufficient_budget"
    UNBALANCED_TRANSACTION = "unbalanced_transaction"
    DUPLICATE_TRANSACTION = "duplicate_transaction"
    INVALID_WORK_DATES = "invalid_work_dates"
    INVALID_ATTESTATION = "invalid_attestation"
    DIMONA_TOO_LATE = "dimona_too_late"
    INVALID_IBAN = "invalid_iban"
    INVALID_BIC = "invalid_bic"
    INVALID_PAYMENT_FILE = "invalid_payment_file"


class DomainError(Exception):
    """A payroll rule was broken; ``code`` is stable, ``message`` is for humans."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.field = field
        self.details: dict[str, object] = dict(details or {})

    def to_dict(self) -> dict[str, object]:
        """The error body the API returns (never a stack trace)."""
        return {"code": self.code, "message": self.message, "field": self.field, "details": self.details}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"field={self.field!r}, details={self.details!r})"
        )
