"""A RabbitMQ node of the fault suite's own: free ports, data in a temporary directory, stopped by its pid."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from coop_shared.testing.servers import free_port


class Broker:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.node = f"faults_{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        base.mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        if os.geteuid() == 0:  # the Debian script runs the node as the rabbitmq user
            shutil.chown(base, "rabbitmq", "rabbitmq")
            for path in base.iterdir():
                shutil.chown(path, "rabbitmq", "rabbitmq")
        self.env = dict(os.environ, RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_PORT=str(self.port),
                        RABBITMQ_DIST_PORT=str(self.dist_port), RABBITMQ_MNESIA_BASE=str(base / "mnesia"),
                        RABBITMQ_LOG_BASE=str(base / "log"), RABBITMQ_PID_FILE=str(base / "pid"),
                        RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
                        RABBITMQ_CONFIG_FILE=str(base / "rabbitmq.conf"))

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, timeout: float = 120) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, capture_output=True, timeout=60)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.ctl("await_startup", "--timeout", "30", timeout=40).returncode == 0:
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(1)
        raise RuntimeError(f"RabbitMQ node {self.node} did not start within {timeout:.0f} s")

    def pid(self) -> int | None:
        path = self.base / "pid"
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """kill -9 of the node's own process (its pid file), nothing else."""
        pid = self.pid()
        if pid is not None:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
        self._epmd_forget()

    def stop(self) -> None:
        pid = self.pid()
        try:
            self.ctl("stop", timeout=90)
        except subprocess.TimeoutExpired:
            pass
        if pid is not None and _alive(pid):
            self.kill()

    def _epmd_forget(self) -> None:
        # A killed node may stay registered in epmd for a moment; the restart retries until it starts anyway.
        time.sleep(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
