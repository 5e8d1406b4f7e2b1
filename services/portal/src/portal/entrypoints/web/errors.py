"""API errors shown next to the field they name, in the person's language."""

from __future__ import annotations

from collections.abc import Callable

from portal.adapters.gateway import ApiProblem


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


# Messages by API error code; the API's own English message is shown to English readers.
_BY_CODE = {
    "validation_error": N_("This value is not valid."),
    "invalid_credentials": N_("E-mail or password is wrong."),
    "email_taken": N_("An account already uses this e-mail address."),
    "conflict": N_("This conflicts with what is recorded."),
    "rate_limited": N_("Too many attempts; wait a minute and try again."),
    "not_found": N_("Not found."),
    "forbidden": N_("You may not do this."),
}
GENERIC = N_("This value is not accepted.")


def field_name(api_field: str | None) -> str:
    """``lines.0.quantity`` -> ``lines-0-quantity``; ``address.street`` -> ``street`` (forms keep addresses flat)."""
    if not api_field:
        return "_form"
    return api_field.removeprefix("address.").replace(".", "-")


def field_errors(found: ApiProblem, gettext: Callable[[str], str], language: str,
                 known: set[str] | None = None) -> dict[str, str]:
    english = language == "en" and bool(found.message)
    message = found.message if english else gettext(_BY_CODE.get(found.code, GENERIC))
    name = field_name(found.field)
    if known is not None and name not in known:
        name = "_form"
    return {name: message}
