"""gettext catalogues (compiled by Babel from locale/<lang>/LC_MESSAGES/messages.po) and locale formats."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.numbers import format_currency, format_decimal

from coop_shared.clock import COOPERATIVE_ZONE

LANGUAGES = ("fr", "nl", "en")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# Belgian conventions for each language; English as spoken in Belgium too.
_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_BE"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation("messages", localedir=str(LOCALE_DIR), languages=[language])


def negotiate(accept_language: str | None) -> str:
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    found = Locale.negotiate([w for w in wanted if w], list(LANGUAGES), sep="_")
    return str(found.language) if found else "fr"


class Formats:
    def __init__(self, language: str) -> None:
        self.locale = _LOCALES.get(language, "fr_BE")

    def money(self, value: Decimal | str | None) -> str:
        if value is None or value == "":
            return ""
        return format_currency(Decimal(str(value)), "EUR", locale=self.locale)

    def number(self, value: Decimal | str | None) -> str:
        return "" if value is None else format_decimal(Decimal(str(value)), locale=self.locale)

    def date(self, value: date | str | None) -> str:
        if not value:
            return ""
        parsed = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return format_date(parsed, format="medium", locale=self.locale)

    def datetime(self, value: datetime | str | None) -> str:
        if not value:
            return ""
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
        return format_datetime(parsed, format="medium", tzinfo=get_timezone(COOPERATIVE_ZONE), locale=self.locale)
