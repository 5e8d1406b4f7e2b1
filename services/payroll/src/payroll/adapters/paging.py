"""Keyset pagination (the project's shared implementation)."""

from coop_shared.persistence.keyset import after_cursor, next_cursor, sort_spec

__all__ = ["after_cursor", "next_cursor", "sort_spec"]
