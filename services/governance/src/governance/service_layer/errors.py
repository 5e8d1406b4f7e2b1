"""Errors raised by use cases (beyond the domain's own rule violations)."""

from __future__ import annotations

from governance.domain.errors import DomainError


class NotFound(DomainError):
    """No such object, or not one the caller may see (maps to 404, never 403)."""


class Conflict(DomainError):
    """The stored state changed under the request (maps to 409); retrying may succeed."""
