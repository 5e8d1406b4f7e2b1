"""Events produced by the notifications service."""

from __future__ import annotations

from coop_shared.contracts.base import Contract

CONTRACTS: tuple[Contract, ...] = ()
