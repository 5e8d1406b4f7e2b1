"""Money: always ``decimal.Decimal`` in euros, rounded half-up to the cent.

Floats are refused with ``TypeError`` everywhere: ``0.1 + 0.2 != 0.3`` is a
bug waiting in an invoice total, and a float reaching the domain means some
caller parsed an amount wrongly, which must fail loudly, not be "fixed" here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from invoicing.domain.errors import DomainValidationError

CURRENCY = "EUR"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def require_decimal(value: object, field: str = "amount") -> Decimal:
    """Return ``value`` as a finite Decimal; ints are exact and accepted.

    Raises TypeError for floats, bools and anything else (a programming
    error), DomainValidationError for NaN/Infinity (bad data).
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(
            f"{field}: expected decimal.Decimal, got {type(value).__name__} (money and quantities are never float)"
        )
    result = Decimal(value) if isinstance(value, int) else value
    if not result.is_finite():
        raise DomainValidationError("money.not_finite", "Amount must be a finite number.", field)
    return result


def round_cents(value: Decimal) -> Decimal:
    """Round half-up (away from zero on a tie) to 0.01; never returns -0.00."""
    amount = require_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    # -0.001 quantizes to Decimal("-0.00"): equal to zero but prints with a
    # sign on documents; adding zero drops the sign.
    return amount + ZERO if amount.is_zero() else amount


def is_whole_cents(value: Decimal) -> bool:
    """True when ``value`` has no fraction of a cent (1.5 and 1.50 both qualify)."""
    amount = require_decimal(value)
    return amount == amount.quantize(CENT, rounding=ROUND_HALF_UP)


def require_cents(value: object, field: str = "amount") -> Decimal:
    """A payable amount: whole cents, returned with exactly two decimals."""
    amount = require_decimal(value, field)
    if not is_whole_cents(amount):
        raise DomainValidationError("money.sub_cent", "Amount must be a whole number of cents.", field)
    return round_cents(amount)


def require_non_negative(value: object, field: str = "amount") -> Decimal:
    amount = require_decimal(value, field)
    if amount < 0:
        raise DomainValidationError("money.negative", "Amount must not be negative.", field)
    return amount


def require_percent(value: object, field: str = "rate") -> Decimal:
    """A rate expressed in percent (21 means 21 %), within [0, 100)."""
    rate = require_decimal(value, field)
    if not Decimal(0) <= rate < HUNDRED:
        raise DomainValidationError("rate.out_of_range", "A rate must be at least 0 % and below 100 %.", field)
    return rate


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``amount × percent / 100`` rounded half-up to the cent."""
    return round_cents(require_decimal(amount) * require_decimal(percent, "percent") / HUNDRED)


def sum_money(values: Iterable[Decimal]) -> Decimal:
    """Sum of amounts; an empty sum is 0.00 (not the int 0 of ``sum()``)."""
    total = ZERO
    for value in values:
        total += require_decimal(value)
    return total


def to_cents(amount: Decimal) -> int:
    """Whole cents as an int; refuses sub-cent amounts rather than rounding silently."""
    return int(require_cents(amount) * 100)


def from_cents(cents: int) -> Decimal:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents: expected int, got {type(cents).__name__}")
    return (Decimal(cents) / 100).quantize(CENT)


def format_amount(amount: Decimal) -> str:
    """Plain ``1234.50`` as UBL and the EPC QR code expect (no grouping, dot)."""
    return f"{round_cents(amount):f}"
