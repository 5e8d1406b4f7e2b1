"""Every message of the pages is translated in French and Dutch, and the compiled catalogues are current."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from portal.adapters.i18n import LOCALE_DIR, Formats, negotiate, translations


def _messages(path: Path) -> dict[str, str]:
    with path.open("rb") as file:
        catalog = read_mo(file) if path.suffix == ".mo" else read_po(file)
    return {_text(m.id): _text(m.string) for m in catalog if m.id}


def _text(value: object) -> str:
    """A singular message as it is; a plural one (ids or forms, a tuple or a list by file kind) joined by ``|``."""
    return "|".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_message_is_translated_and_compiled(language: str) -> None:
    template = _messages(LOCALE_DIR / "messages.pot")
    po = _messages(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po")
    mo = _messages(LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo")
    assert set(template) <= set(po), sorted(set(template) - set(po))
    assert all(po[m] and "||" not in po[m] and not po[m].endswith("|") for m in template), \
        [m for m in template if not po[m]]
    assert mo == {k: v for k, v in po.items() if v}, "run `make portal-messages`"


def test_labels_the_browser_tests_use() -> None:
    assert translations("fr").gettext("Log in") == "Se connecter"
    assert translations("nl").gettext("Save draft") == "Ontwerp bewaren"
    assert translations("en").gettext("Save draft") == "Save draft"


def test_languages_from_the_browser() -> None:
    assert negotiate("nl-BE,nl;q=0.9,en;q=0.8") == "nl"
    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("de-DE") == "fr"


def test_amounts_and_dates_in_each_language() -> None:
    assert Formats("fr").money("1234.5") == "1\u202f234,50\u00a0€"
    assert Formats("nl").money("1234.5") == "€\u00a01.234,50"
    assert Formats("en").date("2026-05-04") == "04 May 2026"
    assert Formats("fr").date("2026-05-04") == "4 mai 2026"
