"""A test that runs far longer than any should prints where every asyncio task
is waiting (pytest-timeout shows only the threads, and an event loop's thread
is always "in select")."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator

import pytest

REPORT_AFTER_SECONDS = 150


def _print_tasks(nodeid: str) -> None:
    # Every loop's tasks (the WeakSet asyncio keeps; all_tasks() needs the loop's own thread).
    tasks = list(asyncio.tasks._all_tasks)  # type: ignore[attr-defined]
    out = sys.__stderr__ or sys.stderr
    print(f"\n=== {nodeid} still running after {REPORT_AFTER_SECONDS} s: {len(tasks)} asyncio tasks ===",
          file=out)
    for task in tasks:
        if not task.done():
            print(f"--- {task.get_name()}: {task.get_coro()!r}", file=out)
            task.print_stack(limit=12, file=out)
    out.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    timer = threading.Timer(REPORT_AFTER_SECONDS, _print_tasks, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
