"""A stopping service gives each shutdown step a bounded time: a step that
never returns (a broker that no longer answers a close) is abandoned and the
steps after it still run, so the process stops instead of waiting to be killed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from pymongo.errors import InvalidOperation

from coop_shared.service import Runtime, create_service_app, shutdown_step
from coop_shared.settings import ServiceSettings
from coop_shared.testing.fixtures import running


async def test_a_hung_step_is_abandoned_and_the_connections_are_still_closed(
    settings_for: Callable[..., Any],
) -> None:
    settings = settings_for(ServiceSettings, service_name="members", shutdown_step_seconds=0.5)
    reached: list[str] = []
    held: dict[str, Runtime] = {}

    async def remember(runtime: Runtime) -> None:
        held["runtime"] = runtime

    async def hangs(runtime: Runtime) -> None:
        reached.append("hangs")
        await asyncio.Event().wait()  # never set

    async def after(runtime: Runtime) -> None:
        reached.append("after")

    app = create_service_app(settings, title="hung shutdown", on_startup=[remember], on_shutdown=[hangs, after])
    async with running(app) as http:
        assert (await http.get("/health/ready")).status_code == 200
        started = time.monotonic()
    took = time.monotonic() - started

    assert reached == ["hangs", "after"]
    assert took < 3, took  # 0.5 s for the hung step, not for ever
    runtime = held["runtime"]
    assert runtime.amqp is not None and runtime.amqp.is_closed
    with pytest.raises(InvalidOperation):  # the database client was closed after the hung step
        await runtime.db.command("ping")


async def test_a_failing_step_does_not_stop_the_next() -> None:
    async def fails() -> None:
        raise RuntimeError("already closed")

    async def hangs() -> None:
        await asyncio.sleep(60)

    async def finishes() -> None:
        return None

    assert await shutdown_step("fails", fails, 1) is False
    assert await shutdown_step("hangs", hangs, 0.05) is False
    assert await shutdown_step("finishes", finishes, 1) is True
