"""Errors a use case reports to its caller; the app maps each kind to an
HTTP status (see ``main.py``) in the shared JSON error format."""

from __future__ import annotations


class NotificationsError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class InvalidRequest(NotificationsError):
    """422: the request is well-formed but not acceptable (e.g. a refused webhook URL)."""


class NotFound(NotificationsError):
    """404: absent, or not the caller's (we do not reveal which)."""


class Conflict(NotificationsError):
    """409: clashes with what exists (same endpoint twice, a limit reached)."""


class Forbidden(NotificationsError):
    """403: the caller lacks a permission (e.g. a partner scope)."""


STATUS: dict[type[Exception], int] = {InvalidRequest: 422, NotFound: 404, Conflict: 409, Forbidden: 403}
