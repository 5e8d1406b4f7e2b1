"""Values that change by law or decision on a given day.

Rates are never constants in code: each is a row with ``effective_from`` and
stays in force until a later row for the same key takes over. Old rows are
kept so that an invoice dated before a change is still computed with the
rate of its own day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar


class HasEffectiveFrom(Protocol):
    @property
    def effective_from(self) -> date: ...


R = TypeVar("R", bound=HasEffectiveFrom)


def effective_row(rows: Iterable[R], on: date) -> R | None:
    """The row in force ``on``: the latest whose ``effective_from <= on``."""
    best: R | None = None
    for row in rows:
        if row.effective_from <= on and (best is None or row.effective_from > best.effective_from):
            best = row
    return best
