"""Keyset pagination (the project's shared implementation)."""

from coop_shared.persistence.keyset import cursor_of, keyset, sort_spec

__all__ = ["cursor_of", "keyset", "sort_spec"]
