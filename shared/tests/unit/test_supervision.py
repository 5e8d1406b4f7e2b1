"""The dev server's supervisor: a service that exits is restarted, with a delay that grows while it keeps failing."""

from __future__ import annotations

from dataclasses import dataclass

from coop_shared.supervision import Backoff, Supervisor


@dataclass
class FakeProcess:
    pid: int
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def supervised() -> tuple[Supervisor[FakeProcess], list[FakeProcess], list[str], Clock]:
    spawned: list[FakeProcess] = []
    lines: list[str] = []
    clock = Clock()

    def spawn(name: str) -> FakeProcess:
        spawned.append(FakeProcess(pid=100 + len(spawned)))
        return spawned[-1]

    supervisor = Supervisor(spawn, lines.append, Backoff(initial=1, max_delay=8), stable_after=60, clock=clock)
    supervisor.adopt("invoicing", FakeProcess(pid=1))
    supervisor.adopt("payroll", FakeProcess(pid=2))
    return supervisor, spawned, lines, clock


def test_an_exited_service_is_restarted_after_the_delay_and_the_others_are_left_alone() -> None:
    supervisor, spawned, lines, clock = supervised()
    supervisor.processes()["invoicing"].returncode = -9
    clock.now = 10
    supervisor.check()
    assert "invoicing" not in supervisor.processes() and spawned == []
    assert lines == ["invoicing (pid 1) exited with code -9 after 10 s; restarting in 1 s"]
    clock.now = 10.5
    supervisor.check()
    assert spawned == []
    clock.now = 11
    supervisor.check()
    assert supervisor.processes()["invoicing"].pid == 100 and supervisor.processes()["payroll"].pid == 2
    assert lines[-1] == "invoicing restarted (pid 100, restart 1)" and supervisor.restarts("invoicing") == 1


def test_a_service_that_keeps_crashing_waits_longer_each_time_up_to_the_cap() -> None:
    supervisor, spawned, lines, clock = supervised()
    delays = []
    for _ in range(6):
        supervisor.processes()["invoicing"].returncode = 1
        supervisor.check()
        delays.append(float(lines[-1].rsplit("in ", 1)[1].removesuffix(" s")))
        clock.now += delays[-1]
        supervisor.check()
    assert delays == [1, 2, 4, 8, 8, 8]
    assert supervisor.restarts("invoicing") == 6 and len(spawned) == 6


def test_a_service_that_stayed_up_starts_again_from_the_short_delay() -> None:
    supervisor, _, lines, clock = supervised()
    for _ in range(3):  # three quick crashes: the delay is 4 s by now
        supervisor.processes()["invoicing"].returncode = 1
        supervisor.check()
        clock.now += 10
        supervisor.check()
    clock.now += 120  # up for two minutes, then it exits once
    supervisor.processes()["invoicing"].returncode = 1
    supervisor.check()
    assert lines[-1].endswith("restarting in 1 s")


def test_a_start_that_fails_is_tried_again_later() -> None:
    lines: list[str] = []
    clock = Clock()
    attempts = 0

    def spawn(name: str) -> FakeProcess:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("no such file")
        return FakeProcess(pid=7)

    supervisor: Supervisor[FakeProcess] = Supervisor(spawn, lines.append, Backoff(initial=1, max_delay=8), clock=clock)
    supervisor.adopt("gateway", FakeProcess(pid=1, returncode=1))
    supervisor.check()
    clock.now = 1
    supervisor.check()
    assert "gateway" not in supervisor.processes() and "could not be started" in lines[-1]
    clock.now = 3
    supervisor.check()
    assert supervisor.processes()["gateway"].pid == 7
