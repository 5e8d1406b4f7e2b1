"""Languages of messages.

Members choose French, Dutch or English. A message uses the recipient's
language; when a template is missing in that language, or the language is
unknown (``de``, empty), it falls back to French, the cooperative's working
language (``DEFAULT_LANGUAGE``).
"""

from __future__ import annotations

SUPPORTED_LANGUAGES: tuple[str, ...] = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"


def normalise_language(value: str | None) -> str:
    """``nl-BE`` → ``nl``; anything unsupported → the default."""
    primary = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def template_languages(requested: str | None) -> tuple[str, ...]:
    """Languages to try, in order, for a template."""
    first = normalise_language(requested)
    return (first,) if first == DEFAULT_LANGUAGE else (first, DEFAULT_LANGUAGE)
