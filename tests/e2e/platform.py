"""The whole platform as separate processes, started exactly as ``make run`` does: one per test run, shared by
the API journeys here and the portal's browser tests (a pytest plugin, registered by the root conftest)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.platform_process import platform_processes
from coop_shared.devserver import SERVICES
from coop_shared.testing.servers import Infrastructure, free_port

READY = "services are ready"
ADMIN_EMAIL = "admin@coop.example"
ADMIN_PASSWORD = "an admin passphrase for tests"


@dataclass
class Platform:
    gateway: str
    ports: dict[str, int]
    process: subprocess.Popen[str]
    data_dir: Path
    output: list[str] = field(default_factory=list)  # what the platform printed after it was ready

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def service_pids(self) -> dict[str, int]:
        """The pid of each service process the platform runs now."""
        return {name: pid for name, pid in platform_processes(self.process.pid).items() if name in self.ports}

    @property
    def payroll_clock_offset(self) -> Path:
        return self.data_dir / "payroll-clock-offset"

    @contextmanager
    def payroll_days_ahead(self, days: int) -> Iterator[None]:
        """Payroll lives ``days`` ahead (work done, runs possible) until the block ends; the rest keeps real time."""
        self.payroll_clock_offset.write_text(str(days * 86400))
        try:
            yield
        finally:
            self.payroll_clock_offset.write_text("0")


@pytest.fixture(scope="session")
def platform(infrastructure: Infrastructure, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("platform")
    ports = {name: free_port() for name in SERVICES}
    # Exercise the embedded SecantusDB and the mail sink, as on a fresh machine.
    env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URL", "SMTP_HOST")}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"AMQP_URL": infrastructure.amqp_url, "SECANTUSDB_PORT": str(free_port()),
                "COOP_DATA_DIR": str(data_dir), "OUTBOX_POLL_SECONDS": "0.2", "PYTHONUNBUFFERED": "1",
                "DEV_SMTP_PORT": str(free_port()), "CLOCK_OFFSET_FILE": str(data_dir / "payroll-clock-offset"),
                "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                # Every person of every journey logs in from 127.0.0.1: the per-address login limit would count
                # the whole test run as one person; and the administrator logs in once per journey, more than
                # the per-account limit allows in a minute on a fast machine.
                "RATE_LIMIT_SENSITIVE_PER_IP_PER_MINUTE": "500", "RATE_LIMIT_SENSITIVE_PER_ACCOUNT_PER_MINUTE": "100"})
    process = subprocess.Popen([sys.executable, "-m", "coop_shared.devserver"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    deadline = time.monotonic() + 150
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if READY in line:
            break
    else:
        process.kill()
    if not any(READY in line for line in seen):
        process.kill()
        logs = "".join(seen)
        for log in sorted((data_dir / "logs").glob("*.log")):
            logs += f"\n--- {log.name}\n" + log.read_text(errors="replace")[-3000:]
        pytest.fail(f"the platform did not become ready:\n{logs}")
    platform = Platform(f"http://127.0.0.1:{ports['gateway']}", ports, process, data_dir)

    def keep_reading() -> None:  # also keeps the pipe from filling up and blocking the platform
        assert process.stdout is not None
        for line in process.stdout:
            platform.output.append(line)

    threading.Thread(target=keep_reading, name="platform-output", daemon=True).start()
    yield platform
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the platform did not stop within 60 s of Ctrl-C")
    assert code == 0, f"the platform exited with {code}"
