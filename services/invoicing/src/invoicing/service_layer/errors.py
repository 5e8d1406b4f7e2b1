"""Errors of the use cases, answered in the shared JSON error format.

Like the domain's errors they carry a stable ``code`` and the ``field`` at
fault; ``main`` maps each class to its HTTP status.
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)
        self.code = code
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """Unknown, or not the caller's: the two are never told apart (404)."""


class Forbidden(ServiceError):
    """The caller sees the object but their role does not allow the action (403)."""


class Conflict(ServiceError):
    """The object's state, or a concurrent change, forbids the action (409)."""


class Gone(ServiceError):
    """A client link that expired (410)."""
