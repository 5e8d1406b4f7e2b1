"""A runtime for use-case unit tests: no database, no broker (cosmicpython's fake unit of work).

``MemoryRuntime.commit`` runs the unit of work with no session and keeps the
events it added to the outbox in ``outbox.events``; when the work raises, its
events are dropped, as a rolled-back transaction drops them. The use case's
repositories are the test's in-memory fakes, given to the service's context
in place of the MongoDB ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.clock import Clock
from coop_shared.messaging.envelope import Envelope
from coop_shared.persistence.outbox import Outbox
from coop_shared.service import Runtime
from coop_shared.settings import ServiceSettings


class RecordingOutbox(Outbox):
    """The events committed, in commit order, instead of a collection."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self._listeners: list[asyncio.Event] = []

    async def add(self, events: Sequence[Envelope], *, session: AsyncClientSession | None = None) -> None:
        self.events.extend(events)

    def of_type(self, event_type: str) -> list[Envelope]:
        return [e for e in self.events if e.type == event_type]

    async def pending_count(self) -> int:
        return len(self.events)


@dataclass
class MemoryRuntime(Runtime):
    outbox: RecordingOutbox = field(default_factory=RecordingOutbox)
    commits: int = 0

    async def commit(self, work: Callable[[AsyncClientSession], Awaitable[Any]]) -> Any:
        before = len(self.outbox.events)
        try:
            result = await work(None)  # type: ignore[arg-type]  # fakes take no session
        except BaseException:
            del self.outbox.events[before:]
            raise
        self.commits += 1
        return result


def memory_runtime(settings: ServiceSettings, clock: Clock) -> MemoryRuntime:
    """A runtime whose database client never connects: a use case that reaches MongoDB, instead of its
    fakes, fails at once with a connection error rather than passing by accident."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:1", connect=False, serverSelectionTimeoutMS=1)
    return MemoryRuntime(settings=settings, mongo=mongo, db=mongo[settings.database_name],
                         outbox=RecordingOutbox(), clock=clock)
