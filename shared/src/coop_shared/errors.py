"""The error family every service's domain and use cases raise (pure Python, no framework).

A domain error carries a stable ``code`` clients switch on, a human
``message``, and the ``field`` to blame when one input is. Each kind below has
one HTTP status, applied once by the shared error handlers
(``coop_shared.http.errors``): a service layer raises these, never HTTP errors.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None, *,
                 details: list[dict[str, Any]] | None = None) -> None:
        # Everything goes to Exception too, so the error stays picklable and copyable.
        super().__init__(code, message, field)
        self.code = code
        self.message = message
        self.field = field
        self.details = details  # the facts behind a refusal, when they help the caller

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class InvalidValue(DomainError):
    """422: the request is well-formed but a value breaks a rule (the ``field`` names it)."""


class NotFound(DomainError):
    """404: absent, or not the caller's (the two are never told apart)."""


class Forbidden(DomainError):
    """403: the caller sees the object, but their role does not allow the action."""


class Conflict(DomainError):
    """409: the object's state, or a concurrent change, forbids the action."""


class Gone(DomainError):
    """410: it existed but is no longer reachable (an expired client link)."""


# The one mapping to HTTP; a DomainError of no listed kind is a 422.
HTTP_STATUS: dict[type[DomainError], int] = {InvalidValue: 422, NotFound: 404, Forbidden: 403, Conflict: 409,
                                             Gone: 410}


def http_status(error: DomainError) -> int:
    """The status of the nearest listed kind in the error's class hierarchy."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 422
