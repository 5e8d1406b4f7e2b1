"""Keeps the processes of ``make run`` alive, as a supervisor would.

A service that exits is started again after a delay that doubles with each
exit in a row (1 s, 2 s, 4 s … up to ``max_delay``), so a service that
crashes at start does not spin; one that has stayed up for ``stable_after``
seconds starts from the short delay again. Every exit and every restart is
reported through ``report`` (printed by the dev server).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class Process(Protocol):
    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Process)


@dataclass
class Backoff:
    """The delay before the next start of a process that exited ``failures`` times in a row."""

    initial: float = 1.0
    max_delay: float = 30.0

    def delay(self, failures: int) -> float:
        return min(self.initial * 2.0 ** max(failures - 1, 0), self.max_delay)


@dataclass
class _Child(Generic[P]):
    process: P | None
    started_at: float
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor(Generic[P]):
    spawn: Callable[[str], P]
    report: Callable[[str], None]
    backoff: Backoff = field(default_factory=Backoff)
    stable_after: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _children: dict[str, _Child[P]] = field(default_factory=dict)

    def adopt(self, name: str, process: P) -> None:
        self._children[name] = _Child(process, self.clock())

    def processes(self) -> dict[str, P]:
        return {name: child.process for name, child in self._children.items() if child.process is not None}

    def restarts(self, name: str) -> int:
        return self._children[name].restarts

    def check(self) -> None:
        """Notice exits and start what is due; call it every fraction of a second."""
        now = self.clock()
        for name, child in self._children.items():
            if child.process is not None and child.process.poll() is not None:
                up_for = now - child.started_at
                child.failures = 1 if up_for >= self.stable_after else child.failures + 1
                delay = self.backoff.delay(child.failures)
                self.report(f"{name} (pid {child.process.pid}) exited with code {child.process.returncode} "
                            f"after {up_for:.0f} s; restarting in {delay:.0f} s")
                child.process, child.restart_at = None, now + delay
            if child.process is None and child.restart_at is not None and now >= child.restart_at:
                try:
                    child.process = self.spawn(name)
                except OSError as exc:
                    child.failures += 1
                    child.restart_at = now + self.backoff.delay(child.failures)
                    self.report(f"{name} could not be started ({exc}); trying again")
                    continue
                child.started_at, child.restart_at = now, None
                child.restarts += 1
                self.report(f"{name} restarted (pid {child.process.pid}, restart {child.restarts})")
