"""Does a service consume exactly the events whose contracts name it as a consumer?

Asked of the app as its factory builds it, before start-up: the handlers are
built against a runtime whose database client never connects (building a
handler does no I/O), so the check runs without a server.
"""

from __future__ import annotations

from fastapi import FastAPI

from coop_shared.clock import SystemClock
from coop_shared.contracts import CATALOGUE
from coop_shared.service import Consumption
from coop_shared.settings import ServiceSettings
from coop_shared.testing.memory import memory_runtime


def bound_event_types(app: FastAPI, settings: ServiceSettings) -> set[str]:
    consumption: Consumption = app.state.consumption
    return consumption.event_types(memory_runtime(settings, SystemClock(settings.timezone)))


def contracted_event_types(service: str) -> set[str]:
    """The event types whose contract lists ``service`` among its consumers."""
    return {contract.event_type for contract in CATALOGUE if service in contract.consumers}


def consumption_gaps(app: FastAPI, settings: ServiceSettings) -> dict[str, list[str]]:
    """What the service handles that no contract sends it, and what it is sent but does not handle."""
    bound, contracted = bound_event_types(app, settings), contracted_event_types(settings.service_name)
    return {"handled_but_not_contracted": sorted(bound - contracted),
            "contracted_but_not_handled": sorted(contracted - bound)}
