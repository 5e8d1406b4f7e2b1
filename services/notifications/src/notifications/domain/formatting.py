"""How amounts and dates read in each language (used by message templates)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coop_shared.clock import COOPERATIVE_ZONE

_NARROW_SPACE = "\u202f"  # French thousands separator
_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def format_amount(value: object, language: str, currency: str = "EUR") -> str:
    """``1234.5`` → ``1 234,50 €`` (fr), ``€ 1.234,50`` (nl), ``€1,234.50`` (en).
    A value that is not a number is shown as given rather than failing a message."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups = f"{int(whole):,}"
    symbol = "€" if currency == "EUR" else currency
    if language == "en":
        return f"{sign}{symbol}{groups}.{cents}"
    if language == "nl":
        return f"{symbol} {sign}{groups.replace(',', '.')},{cents}"
    return f"{sign}{groups.replace(',', _NARROW_SPACE)},{cents} {symbol}"


def format_date(value: object, language: str) -> str:
    """``2025-03-01`` → ``1 mars 2025`` / ``1 maart 2025`` / ``1 March 2025``."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    months = _MONTHS.get(language, _MONTHS["fr"])
    day = "1er" if value.day == 1 and language not in ("nl", "en") else str(value.day)
    return f"{day} {months[value.month - 1]} {value.year}"


def _brussels() -> ZoneInfo | None:
    try:
        return ZoneInfo(COOPERATIVE_ZONE)
    except ZoneInfoNotFoundError:  # no time zone database on this system
        return None


_AT = {"fr": "à", "nl": "om", "en": "at"}


def format_datetime(value: object, language: str) -> str:
    """A moment as Belgian members read it: Brussels time, ``12 mars 2026 à 18:00``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if not isinstance(value, datetime):
        return str(value)
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    zone = _brussels()
    local = moment.astimezone(zone) if zone else moment.astimezone(UTC)
    suffix = "" if zone else " UTC"
    return f"{format_date(local.date(), language)} {_AT.get(language, _AT['fr'])} {local:%H:%M}{suffix}"
