"""Event type -> handler: what the payroll service consumes."""

from __future__ import annotations

from collections.abc import Mapping

from coop_shared.messaging.consumer import Handler
from coop_shared.service import Runtime
from payroll.service_layer.directory_events import directory_handlers
from payroll.service_layer.ledger_events import ledger_handlers
from payroll.service_layer.settlements import settlement_handlers


def build_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    return {**directory_handlers(runtime), **ledger_handlers(runtime), **settlement_handlers(runtime)}
