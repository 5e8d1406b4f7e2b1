"""Domain errors.

Every rule violation raises :class:`DomainValidationError` with a stable,
dotted ``code`` (e.g. ``"client.vat_number_invalid"``) and the offending
``field`` so the HTTP layer can answer ``{code, message, field}`` without
parsing messages. Programming errors (a float where money is expected) stay
plain ``TypeError``: they are bugs, not bad user input.
"""

from __future__ import annotations

from coop_shared.errors import DomainError


class DomainValidationError(DomainError, ValueError):
    """Bad input or a broken business rule (maps to HTTP 422)."""


class DomainConflictError(DomainValidationError):
    """The request is valid but the object's current state forbids it.

    A subclass so callers catching DomainValidationError still catch it, while
    the HTTP layer can answer 409 instead of 422.
    """


class TooLarge(DomainValidationError):
    """An upload above its size limit (maps to HTTP 413)."""


class UnsupportedType(DomainValidationError):
    """An upload of a kind the endpoint does not take (maps to HTTP 415)."""
