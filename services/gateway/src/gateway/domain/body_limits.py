"""How large a request body may be, per route: JSON everywhere is small; the
upload routes (bank statements, expense receipts) take files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class BodyLimits:
    default: int
    # Longest prefix first, so "/api/v1/expense-claims" beats "/api/v1".
    by_prefix: tuple[tuple[str, int], ...] = ()

    @classmethod
    def build(cls, default: int, by_prefix: Mapping[str, int]) -> BodyLimits:
        ordered = tuple(sorted(((p.rstrip("/"), n) for p, n in by_prefix.items()), key=lambda i: -len(i[0])))
        return cls(default, ordered)

    def for_path(self, path: str) -> int:
        for prefix, limit in self.by_prefix:
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self.default

    @property
    def largest(self) -> int:
        return max([self.default, *(n for _, n in self.by_prefix)])
