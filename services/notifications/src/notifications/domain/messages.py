"""Message texts by the recipient's language (fr, nl, en; French by default,
the cooperative's working language)."""

from __future__ import annotations

_WELCOME = {
    "fr": ("Bienvenue dans la coopérative", "Bonjour {name}, votre inscription est enregistrée."),
    "nl": ("Welkom bij de coöperatie", "Hallo {name}, uw inschrijving is geregistreerd."),
    "en": ("Welcome to the cooperative", "Hello {name}, your registration is recorded."),
}


def welcome_message(name: str, language: str) -> tuple[str, str]:
    title, body = _WELCOME.get(language, _WELCOME["fr"])
    return title, body.format(name=name)
