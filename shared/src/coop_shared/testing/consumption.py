"""Does a service consume exactly the events whose contracts name it as a consumer?

Asked of the app as its factory builds it, before start-up: the handlers are
built against a runtime whose database client never connects (building a
handler does no I/O), so the check runs without a server.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from coop_shared.contracts import CATALOGUE
from coop_shared.persistence.outbox import Outbox
from coop_shared.service import Consumption, Runtime
from coop_shared.settings import ServiceSettings


def offline_runtime(settings: ServiceSettings) -> Runtime:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)
    db = mongo[settings.database_name]
    return Runtime(settings=settings, mongo=mongo, db=db, outbox=Outbox(db))


def bound_event_types(app: FastAPI, settings: ServiceSettings) -> set[str]:
    consumption: Consumption = app.state.consumption
    return consumption.event_types(offline_runtime(settings))


def contracted_event_types(service: str) -> set[str]:
    """The event types whose contract lists ``service`` among its consumers."""
    return {contract.event_type for contract in CATALOGUE if service in contract.consumers}


def consumption_gaps(app: FastAPI, settings: ServiceSettings) -> dict[str, list[str]]:
    """What the service handles that no contract sends it, and what it is sent but does not handle."""
    bound, contracted = bound_event_types(app, settings), contracted_event_types(settings.service_name)
    return {"handled_but_not_contracted": sorted(bound - contracted),
            "contracted_but_not_handled": sorted(contracted - bound)}
