"""The services of the fault suite, each its own process (so one can be killed by its pid), configured as
``make run`` configures them (``coop_shared.devserver.service_env``), on the suite's broker and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from coop_shared.devserver import SERVICES, service_env
from coop_shared.mail_sink import MailSink
from coop_shared.testing.servers import free_port

ADMIN_EMAIL = "admin@faults.example"
ADMIN_PASSWORD = "an admin passphrase for faults"


class Services:
    def __init__(self, data_dir: Path, mongo_url: str, amqp_url: str) -> None:
        self.data_dir = data_dir
        self.ports = {name: free_port() for name in SERVICES}
        self.mongo_url = mongo_url
        self.amqp_url = amqp_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.mail = MailSink(data_dir / "mail", host="127.0.0.1", port=free_port())
        self.mail.start()

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def _env(self, name: str) -> dict[str, str]:
        saved = dict(os.environ)
        os.environ.update({"OUTBOX_POLL_SECONDS": "0.2", "PYTHONUNBUFFERED": "1",
                           "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                           "RATE_LIMIT_SENSITIVE_PER_IP_PER_MINUTE": "5000"})
        os.environ.pop("SMTP_HOST", None)
        try:
            return service_env(name, self.ports, self.mongo_url, self.amqp_url, self.mail)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def start(self, name: str) -> None:
        log = (self.data_dir / "logs" / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"{name}.cli", "serve", "--port", str(self.ports[name])],
            env=self._env(name), stdout=log, stderr=subprocess.STDOUT)

    def start_all(self, timeout: float = 180) -> None:
        for name in SERVICES:
            self.start(name)
        self.wait_ready(list(SERVICES), timeout)

    def wait_ready(self, names: list[str], timeout: float = 120) -> float:
        started = time.monotonic()
        pending = set(names)
        with httpx.Client(timeout=3.0) as client:
            while pending and time.monotonic() - started < timeout:
                for name in list(pending):
                    if self.processes[name].poll() is not None:
                        raise RuntimeError(f"{name} exited with {self.processes[name].returncode}:\n{self.log(name)}")
                    try:
                        if client.get(f"http://127.0.0.1:{self.ports[name]}/health/ready").status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
        if pending:
            raise RuntimeError(f"not ready after {timeout:.0f} s: {sorted(pending)}\n"
                               + "\n".join(self.log(n) for n in pending))
        return time.monotonic() - started

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.kill()  # SIGKILL by its pid
        process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.data_dir / "logs" / f"{name}.log"
        return f"--- {name}\n" + (path.read_text(errors="replace")[-3000:] if path.exists() else "")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.mail.stop()
