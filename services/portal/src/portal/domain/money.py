"""Amounts arrive from the API as decimal strings; they stay Decimal all the way to the page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def parse_amount(text: str | None) -> Decimal | None:
    """A person's typed amount, accepting a decimal comma ("1 350,50"); None when it is not a number."""
    if text is None:
        return None
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".") if cleaned.rfind(",") > cleaned.rfind(".") \
            else cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_decimal(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")
