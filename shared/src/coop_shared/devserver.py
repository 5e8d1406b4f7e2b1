"""``make run``: the whole platform on this machine, with embedded defaults.

Starts SecantusDB (data under .data/, unless MONGO_URL is set), a mail sink
that keeps every e-mail under .data/mail/ (unless SMTP_HOST is set), uses RabbitMQ
at AMQP_URL (starting the local broker when it is installed and down), starts
the seven services (the portal among them), waits until every /health/ready answers 200, prints the
URLs, restarts a service that exits (with back-off, saying so), and stops everything cleanly on Ctrl-C
(SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import httpx

from coop_shared.mail_sink import MailSink
from coop_shared.supervision import Supervisor
from coop_shared.testing.servers import (
    SecantusProcess,
    ServerUnavailable,
    ensure_local_rabbitmq,
    port_open,
    start_secantusdb,
)

SERVICES: dict[str, int] = {
    "members": 8001, "invoicing": 8002, "payroll": 8003, "governance": 8004, "notifications": 8005,
    "portal": 8006, "gateway": 8080,
}


def ports_from_env() -> dict[str, int]:
    return {name: int(os.environ.get(f"{name.upper()}_PORT", default)) for name, default in SERVICES.items()}


def service_env(name: str, ports: dict[str, int], mongo_url: str, amqp_url: str,
                mail: MailSink | None = None) -> dict[str, str]:
    env = dict(os.environ)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    env.update({"MONGO_URL": mongo_url, "AMQP_URL": amqp_url, "PORT": str(ports[name]),
                "JWKS_URL": f"http://127.0.0.1:{ports['members']}/api/v1/auth/jwks",
                "GATEWAY_JWKS_URL": f"{gateway}/api/v1/gateway/jwks"})
    for upstream, port in ports.items():
        if upstream != "gateway":  # the gateway's upstreams; notifications fetches documents from invoicing
            env.setdefault(f"{upstream.upper()}_URL", f"http://127.0.0.1:{port}")
    # Links in e-mails and client pages point at this gateway.
    env.setdefault("APP_BASE_URL", gateway)
    env.setdefault("PUBLIC_BASE_URL", gateway)
    if mail is not None:
        env.update({"SMTP_HOST": mail.host, "SMTP_PORT": str(mail.port), "SMTP_TLS": "none",
                    "DEV_MAIL_DIR": str(mail.directory)})
    if name == "portal":
        env["GATEWAY_URL"] = gateway
    if name == "invoicing":  # the local access point the development invoicing service serves
        env.setdefault("PEPPOL_ACCESS_POINT_URL", f"http://127.0.0.1:{ports['invoicing']}/dev/peppol-access-point")
    return env


def start_mail_sink(data_dir: Path) -> MailSink | None:
    """The local mail sink, unless SMTP_HOST names a relay to use instead."""
    if os.environ.get("SMTP_HOST"):
        return None
    sink = MailSink(data_dir / "mail", host=os.environ.get("DEV_SMTP_HOST", "127.0.0.1"),
                    port=int(os.environ.get("DEV_SMTP_PORT", "1025")))
    sink.start()
    return sink


def wait_ready(ports: dict[str, int], timeout: float, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(ports)
    with httpx.Client(timeout=2.0) as client:
        while pending and time.monotonic() < deadline:
            for name, port in list(pending.items()):
                if processes[name].poll() is not None:
                    raise ServerUnavailable(f"{name} exited with code {processes[name].returncode}")
                try:
                    if client.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
    if pending:
        raise ServerUnavailable(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("COOP_DATA_DIR", ".data"))
    parser.add_argument("--ready-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir).resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    ports = ports_from_env()
    busy = [f"{n}:{p}" for n, p in ports.items() if port_open("127.0.0.1", p)]
    if busy:
        print(f"Ports already in use ({', '.join(busy)}): is the platform already running? "
              "Set <SERVICE>_PORT to move a service.", file=sys.stderr)
        return 2

    secantus: SecantusProcess | None = None
    mail: MailSink | None = None
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        mongo_url = os.environ.get("MONGO_URL")
        if not mongo_url:
            mongo_port = int(os.environ.get("SECANTUSDB_PORT", "27017"))
            secantus = start_secantusdb(str(data_dir / "secantusdb"), port=mongo_port, log_dir=data_dir / "logs")
            mongo_url = secantus.url
            print(f"SecantusDB (MongoDB wire) on {mongo_url}, data in {data_dir / 'secantusdb'}", flush=True)
        amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
        if "127.0.0.1" in amqp_url or "localhost" in amqp_url:
            ensure_local_rabbitmq()
        try:
            mail = start_mail_sink(data_dir)
        except OSError as exc:
            raise ServerUnavailable(f"the mail sink cannot listen (DEV_SMTP_PORT): {exc}") from exc
        if mail is not None:
            print(f"Mail sink (SMTP) on {mail.host}:{mail.port}: messages in {mail.directory}, "
                  f"listed at http://127.0.0.1:{ports['gateway']}/dev/mail", flush=True)
        def spawn(name: str) -> subprocess.Popen[bytes]:
            with (data_dir / "logs" / f"{name}.log").open("ab") as log_file:
                return subprocess.Popen(
                    [sys.executable, "-m", f"{name}.cli", "serve", "--port", str(ports[name])],
                    env=service_env(name, ports, mongo_url, amqp_url, mail), stdout=log_file,
                    stderr=subprocess.STDOUT)

        for name in SERVICES:
            processes[name] = spawn(name)
        wait_ready(ports, args.ready_timeout, processes)
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        print(f"All {len(SERVICES)} services are ready. Gateway: {gateway}  API docs: {gateway}/api/docs", flush=True)
        print(f"Portal: {gateway}/app/", flush=True)
        print(f"Logs: {data_dir / 'logs'}. Press Ctrl-C to stop.", flush=True)
        supervisor = Supervisor(spawn, lambda line: print(line, file=sys.stderr, flush=True))
        for name, process in processes.items():
            supervisor.adopt(name, process)
        while not stopping:
            supervisor.check()
            processes = supervisor.processes()
            time.sleep(0.5)
        return 0
    except ServerUnavailable as exc:
        print(f"Cannot start the platform: {exc}", file=sys.stderr)
        return 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()
        if secantus is not None:
            secantus.stop()
        if mail is not None:
            mail.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
