"""The fake unit of work keeps a committed use case's events and drops a failed one's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.clock import FakeClock
from coop_shared.messaging.envelope import EventPayload
from coop_shared.settings import ServiceSettings
from coop_shared.testing.memory import memory_runtime


class Noted(EventPayload):
    event_type: ClassVar[str] = "tests.note.taken.v1"
    text: str


async def test_committed_events_are_kept_and_a_failed_units_are_dropped() -> None:
    runtime = memory_runtime(ServiceSettings(service_name="tests"), FakeClock(datetime(2026, 3, 16, tzinfo=UTC)))

    async def note(session: AsyncClientSession) -> str:
        await runtime.outbox.add([runtime.event(Noted(text="kept"), subject="n-1")], session=session)
        return "done"

    async def fail(session: AsyncClientSession) -> None:
        await runtime.outbox.add([runtime.event(Noted(text="lost"), subject="n-2")], session=session)
        raise ValueError("refused")

    assert await runtime.commit(note) == "done"
    with pytest.raises(ValueError, match="refused"):
        await runtime.commit(fail)
    assert [e.payload(Noted).text for e in runtime.outbox.of_type(Noted.event_type)] == ["kept"]
    assert runtime.commits == 1
    assert runtime.clock.now() == datetime(2026, 3, 16, tzinfo=UTC)
