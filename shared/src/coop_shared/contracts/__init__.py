"""Event payloads, one module per producing service.

Each module lists its events in ``CONTRACTS`` (payload model, producer,
consumers); ``CATALOGUE`` gathers them and ``make contracts`` exports it as
JSON Schemas and an AsyncAPI document.
"""

from __future__ import annotations

from coop_shared.contracts import governance, invoicing, members, notifications, payroll
from coop_shared.contracts.base import Contract

CATALOGUE: tuple[Contract, ...] = (
    *members.CONTRACTS, *invoicing.CONTRACTS, *payroll.CONTRACTS, *governance.CONTRACTS,
    *notifications.CONTRACTS,
)


def by_type() -> dict[str, Contract]:
    return {c.event_type: c for c in CATALOGUE}


__all__ = ["CATALOGUE", "Contract", "by_type"]
