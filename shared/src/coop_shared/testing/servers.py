"""Real servers for tests and for ``make run``: MongoDB-wire and RabbitMQ.

Order of preference, the same for every suite:
1. ``MONGO_URL`` / ``AMQP_URL`` from the environment, used as given;
2. a Docker engine that answers: MongoDB and RabbitMQ in testcontainers;
3. otherwise SecantusDB (a MongoDB-wire server, run as a separate process)
   on a free port, and the local RabbitMQ in a fresh virtual host that is
   created for the run and deleted after it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SECANTUSD = "secantusd-py"


class ServerUnavailable(RuntimeError):
    """A server the tests need could not be started; the message says how to fix it."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise ServerUnavailable(f"{what} did not listen on {host}:{port} within {timeout:.0f}s. {tail}")


def secantusd_path() -> str:
    explicit = os.environ.get("SECANTUSD")
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / SECANTUSD
    if beside.exists():
        return str(beside)
    found = shutil.which(SECANTUSD)
    if found:
        return found
    raise ServerUnavailable(
        "No MongoDB-wire server: set MONGO_URL, or install SecantusDB "
        "(pip install secantusdb==0.7.0b3; `make install` does it)."
    )


@dataclass
class SecantusProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_secantusdb(storage: str = ":memory:", port: int | None = None,
                     log_dir: Path | None = None) -> SecantusProcess:
    port = port or free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="secantusdb-log-"))
    log_path = log_dir / f"secantusdb-{port}.log"
    args = [secantusd_path(), "--host", "127.0.0.1", "--port", str(port), "--storage-path", storage]
    if storage != ":memory:":
        args.append("--sync-on-commit")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port("127.0.0.1", port, 60, "SecantusDB", log_path)
    except ServerUnavailable:
        process.kill()
        raise
    return SecantusProcess(f"mongodb://127.0.0.1:{port}/?directConnection=true", process, log_path)


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([ctl, *args], capture_output=True, text=True, timeout=timeout)


def delete_queues(amqp_url: str, names: list[str]) -> None:
    """Delete queues over AMQP (quick), so that removing the virtual host
    afterwards has no quorum queues left to tear down."""
    import asyncio

    import aio_pika

    async def run() -> None:
        connection = await aio_pika.connect(amqp_url, timeout=30)
        try:
            for name in names:
                channel = await connection.channel()
                try:
                    await channel.queue_delete(name, if_unused=False, if_empty=False)
                except aio_pika.exceptions.AMQPError:
                    pass  # already gone
                finally:
                    if not channel.is_closed:
                        await channel.close()
        finally:
            await connection.close()

    # Bounded: a broker that stops answering fails the clean-up instead of stalling the run.
    asyncio.run(asyncio.wait_for(run(), timeout=120))


def _sweep_vhost(vhost: str, amqp_url: str) -> None:
    listed = rabbitmqctl("list_queues", "-p", vhost, "name", "--no-table-headers", "--quiet")
    names = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    if names:
        delete_queues(amqp_url, names)


def ensure_local_rabbitmq(timeout: float = 60) -> None:
    """Start the machine's RabbitMQ when nothing listens on 5672 and it is installed."""
    if port_open("127.0.0.1", 5672):
        return
    server = shutil.which("rabbitmq-server") or ("/usr/sbin/rabbitmq-server"
                                                 if Path("/usr/sbin/rabbitmq-server").exists() else None)
    if server is None:
        raise ServerUnavailable(
            "No RabbitMQ on 127.0.0.1:5672 and rabbitmq-server is not installed: set AMQP_URL, "
            "install RabbitMQ (apt-get install rabbitmq-server), or use `make up` with Docker."
        )
    subprocess.run([server, "-detached"], capture_output=True, timeout=60)
    wait_for_port("127.0.0.1", 5672, timeout, "RabbitMQ")
    # The port opens before the broker accepts logins; wait for the app to boot.
    rabbitmqctl("await_startup", "--timeout", str(int(timeout)))


@contextlib.contextmanager
def rabbitmq_vhost(base_url: str = "amqp://guest:guest@127.0.0.1:5672/") -> Iterator[str]:
    """A fresh virtual host on the local broker, removed afterwards."""
    ensure_local_rabbitmq()
    vhost = f"coop-test-{uuid.uuid4().hex[:12]}"
    result = rabbitmqctl("add_vhost", vhost)
    if result.returncode != 0:
        raise ServerUnavailable(f"rabbitmqctl add_vhost failed: {result.stderr.strip()}")
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    url = base_url.rstrip("/") + "/" + quote(vhost, safe="")
    try:
        yield url
    finally:
        # Empty it first: deleting a virtual host that still holds hundreds of
        # quorum queues can keep the broker busy for minutes.
        try:
            _sweep_vhost(vhost, url)
            rabbitmqctl("delete_vhost", vhost)
        except (subprocess.TimeoutExpired, OSError) as exc:
            import warnings

            warnings.warn(f"could not remove test virtual host {vhost}: {exc}", stacklevel=1)


@dataclass
class Infrastructure:
    mongo_url: str
    amqp_url: str
    how: str


@contextlib.contextmanager
def test_infrastructure() -> Iterator[Infrastructure]:
    with contextlib.ExitStack() as stack:
        mongo_url = os.environ.get("MONGO_URL")
        amqp_url = os.environ.get("AMQP_URL")
        how = []
        use_docker = (mongo_url is None or amqp_url is None) and docker_available()
        if mongo_url is None:
            if use_docker:
                from testcontainers.mongodb import MongoDbContainer

                mongo = stack.enter_context(MongoDbContainer("mongo:8.0.4"))
                mongo_url = mongo.get_connection_url()
                how.append("mongodb:testcontainers")
            else:
                secantus = start_secantusdb()
                stack.callback(secantus.stop)
                mongo_url = secantus.url
                how.append("mongodb:secantusdb")
        else:
            how.append("mongodb:MONGO_URL")
        if amqp_url is None:
            if use_docker:
                from testcontainers.rabbitmq import RabbitMqContainer

                rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-management"))
                params = rabbit.get_connection_params()
                amqp_url = f"amqp://guest:guest@{params.host}:{params.port}/"
                how.append("rabbitmq:testcontainers")
            else:
                amqp_url = stack.enter_context(rabbitmq_vhost())
                how.append("rabbitmq:local-vhost")
        else:
            how.append("rabbitmq:AMQP_URL")
        yield Infrastructure(mongo_url, amqp_url, ", ".join(how))
