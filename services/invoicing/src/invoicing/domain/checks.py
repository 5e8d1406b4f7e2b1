"""Small argument checks shared by the domain modules."""

from __future__ import annotations

from datetime import date, datetime

from invoicing.domain.errors import DomainValidationError


def require_text(value: object, field: str, *, max_length: int = 500, required: bool = True) -> str:
    """Stripped text; empty is refused when ``required``."""
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected str, got {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise DomainValidationError("field.required", f"{field} must not be empty.", field)
    if len(text) > max_length:
        raise DomainValidationError("field.too_long", f"{field} must be at most {max_length} characters.", field)
    return text


def require_date(value: object, field: str) -> date:
    """A calendar date; a datetime is refused because comparing one with a
    date raises at runtime and a time zone would make the day ambiguous."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{field}: expected datetime.date, got {type(value).__name__}")
    return value


def require_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field}: expected int, got {type(value).__name__}")
    return value
