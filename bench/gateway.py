"""Gateway overhead: throughput and latency of the same authenticated request
sent straight to the members service and through the gateway, in alternating
rounds of one run, so both see the same machine load.

Usage: ``python -m bench.gateway [--seconds 3] [--rounds 3] [--concurrency 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from coop_shared.testing.servers import free_port, test_infrastructure


def start(module: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", f"{module}.cli", "serve", "--port", str(port)],
                                env={**os.environ, **env, "LOG_LEVEL": "WARNING"}, stdout=out,
                                stderr=subprocess.STDOUT)


def wait_ok(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


async def load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv or [])
    logs = Path(".data/bench")
    logs.mkdir(parents=True, exist_ok=True)
    with test_infrastructure() as infra:
        members_port, gateway_port = free_port(), free_port()
        common = {"MONGO_URL": infra.mongo_url, "AMQP_URL": infra.amqp_url}
        members = start("members", members_port, {**common, "MONGO_DATABASE": "bench_members"},
                        logs / "members.log")
        gateway = start("gateway", gateway_port, {
            **common, "MONGO_DATABASE": "bench_gateway", "MEMBERS_URL": f"http://127.0.0.1:{members_port}",
            "JWKS_URL": f"http://127.0.0.1:{members_port}/api/v1/auth/jwks",
            "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000", "RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE": "100000000",
        }, logs / "gateway.log")
        try:
            direct = f"http://127.0.0.1:{members_port}"
            via = f"http://127.0.0.1:{gateway_port}"
            wait_ok(f"{direct}/health/ready")
            wait_ok(f"{via}/health/live")
            email = f"bench-{uuid.uuid4().hex[:8]}@example.be"
            password = "correct horse battery staple 42"
            registered = httpx.post(f"{via}/api/v1/auth/register", timeout=10, json={
                "email": email, "password": password, "full_name": "Bench Mark", "language": "en",
                "address": {"street": "Rue Haute 1", "postal_code": "1000", "city": "Bruxelles"},
                "iban": "BE71096123456769"})
            if registered.status_code != 201:
                raise RuntimeError(f"register failed: {registered.status_code} {registered.text}")
            login = httpx.post(f"{via}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10)
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            path = "/api/v1/members/me"
            asyncio.run(load(direct + path, headers, 1.0, args.concurrency))  # warm both paths
            asyncio.run(load(via + path, headers, 1.0, args.concurrency))
            results: dict[str, list[float]] = {"direct": [], "gateway": []}
            counts: dict[str, int] = {"direct": 0, "gateway": 0}
            for _ in range(args.rounds):
                for name, base in (("direct", direct), ("gateway", via)):
                    latencies = asyncio.run(load(base + path, headers, args.seconds, args.concurrency))
                    results[name].extend(latencies)
                    counts[name] += len(latencies)
            seconds = args.seconds * args.rounds
            rps = {name: counts[name] / seconds for name in counts}
            print(f"GET {path}, concurrency {args.concurrency}, {args.rounds} alternating rounds of {args.seconds}s")
            for name in ("direct", "gateway"):
                print(f"  {name:8s} {rps[name]:8.1f} req/s   p50 {statistics.median(results[name]) * 1000:6.2f} ms"
                      f"   p99 {p99(results[name]) * 1000:6.2f} ms")
            print(f"  throughput ratio gateway/direct: {rps['gateway'] / rps['direct']:.2f}x")
            print(f"  added p99 latency: {(p99(results['gateway']) - p99(results['direct'])) * 1000:.2f} ms")
            added_p50 = statistics.median(results["gateway"]) - statistics.median(results["direct"])
            print(f"  added p50 latency: {added_p50 * 1000:.2f} ms")
        finally:
            for process in (gateway, members):
                process.terminate()
                process.wait(timeout=20)


if __name__ == "__main__":
    main(sys.argv[1:])
