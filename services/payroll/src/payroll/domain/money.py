"""Money helpers: Decimal only, cents only, rounding stated explicitly.

Floats are refused outright: a binary float cannot hold most cent amounts
exactly, and a payslip that is off by a cent is a wrong payslip.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from payroll.domain.errors import DomainError, ErrorCode

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent (the Belgian payroll and invoicing convention)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_cents(value: Decimal) -> Decimal:
    """Round towards zero to the cent, for amounts that must never exceed a limit."""
    return value.quantize(CENT, rounding=ROUND_DOWN)


def fmt(value: Decimal) -> str:
    """Amount as a plain string for messages and error details ("1234.50")."""
    return f"{value:.2f}"


def to_decimal(value: object, field: str) -> Decimal:
    """Coerce a config or API value (Decimal, int or numeric string) to Decimal; never a float."""
    if isinstance(value, bool | float):
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            f"{field} must be a Decimal, an integer or a numeric string, not {type(value).__name__}",
            field,
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise DomainError(ErrorCode.INVALID_VALUE, f"{field} is not a number: {value!r}", field) from None
    else:
        raise DomainError(ErrorCode.INVALID_VALUE, f"{field} must be numeric, got {type(value).__name__}", field)
    if not result.is_finite():
        raise DomainError(ErrorCode.INVALID_VALUE, f"{field} must be a finite number", field)
    return result


def money(value: object, field: str, *, allow_zero: bool = True) -> Decimal:
    """A non-negative amount in whole cents, normalised to two decimals.

    Sub-cent input is refused rather than rounded: silently rounding someone
    else's amount hides the bug that produced it.
    """
    amount = to_decimal(value, field)
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise DomainError(ErrorCode.INVALID_AMOUNT, f"{field} must be in whole cents, got {amount}", field)
    if amount < 0 or (amount == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise DomainError(ErrorCode.INVALID_AMOUNT, f"{field} must be {bound}, got {fmt(amount)}", field)
    return amount.quantize(CENT)
