"""Domain errors: each carries a stable ``code`` clients switch on, a human
``message`` and, when one input is to blame, the ``field``.

The HTTP layer maps each class to one status (see ``members.main``), so the
domain never speaks HTTP but every refusal still lands as the shared JSON error.
"""

from __future__ import annotations

from coop_shared.errors import DomainError as SharedDomainError


class DomainError(SharedDomainError):
    """Every members rule violation."""


class InvalidInput(DomainError, ValueError):
    """Bad input (422). A ValueError too, so pydantic validators can raise it
    and the request is refused naming the field before any use case runs."""


class NotFound(DomainError):
    """Unknown, or not the caller's to see (404: existence is not disclosed)."""


class Conflict(DomainError):
    """Valid request that the current state forbids (409)."""


class AuthenticationFailed(DomainError):
    """Credentials or refresh token refused (401). Messages never say which part was wrong."""


class Throttled(DomainError):
    """Too many failed attempts (429); ``retry_after`` seconds until the next try is heard."""

    def __init__(self, code: str, message: str, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Forbidden(DomainError):
    """The caller may see the object but not do this to it (403)."""
