"""The platform exactly as ``make run`` starts it (``coop_shared.devserver``), on free ports and a data
directory of its own, for the load scenario and the soak; and what the operating system says about its
processes (resident memory, CPU time)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from coop_shared.devserver import SERVICES
from coop_shared.testing.servers import free_port

READY = "services are ready"
ADMIN_EMAIL = "admin@coop.example"
ADMIN_PASSWORD = "the load scenario's administrator"
_TICKS = os.sysconf("SC_CLK_TCK")


def children(parent: int) -> dict[int, list[str]]:
    """pid → argv of the processes whose parent is ``parent``."""
    found: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            argv = (stat.parent / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        found[int(stat.parent.name)] = argv
    return found


def platform_processes(devserver_pid: int) -> dict[str, int]:
    """service name (and ``database`` for the embedded SecantusDB) → pid."""
    named: dict[str, int] = {}
    for pid, argv in children(devserver_pid).items():
        module = next((a for a in argv if a.endswith(".cli")), "")
        if module:
            named[module.removesuffix(".cli")] = pid
        elif any("secantus" in a for a in argv):
            named["database"] = pid
    return named


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class PeakMemory:
    """Samples every service's resident memory in a thread, keeping each one's peak."""

    devserver_pid: int
    every: float = 1.0
    peaks: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, pid in platform_processes(self.devserver_pid).items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), rss_mib(pid))
            self._stop.wait(self.every)


@dataclass
class RunningPlatform:
    gateway: str
    process: subprocess.Popen[str]
    data_dir: Path
    output: list[str]

    def pids(self) -> dict[str, int]:
        return platform_processes(self.process.pid)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9


def start_platform(data_dir: Path, extra_env: dict[str, str], timeout: float = 240) -> RunningPlatform:
    """``make run`` on free ports, with an empty data directory; ``extra_env`` tunes it for the scenario."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    ports = {name: free_port() for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URL", "SMTP_HOST")}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"SECANTUSDB_PORT": str(free_port()), "DEV_SMTP_PORT": str(free_port()), "COOP_DATA_DIR": str(data_dir),
                "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING", **extra_env})
    process = subprocess.Popen([sys.executable, "-m", "coop_shared.devserver"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []

    def keep_reading() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)

    threading.Thread(target=keep_reading, name="platform-output", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not any(READY in line for line in output):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the platform did not become ready:\n" + "".join(output[-40:]))
        time.sleep(0.2)
    return RunningPlatform(f"http://127.0.0.1:{ports['gateway']}", process, data_dir, output)
