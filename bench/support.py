"""What the benchmarks share: services started as real processes, wrk runs,
percentiles, and the RATIO lines."""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

LOGS = Path(".data/bench")
WRK = os.environ.get("WRK", "/usr/bin/wrk")


def start_service(module: str, port: int, env: dict[str, str], name: str | None = None) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", f"{module}.cli", "serve", "--port", str(port)]
    if os.environ.get("BENCH_PROFILE") == module:  # pyinstrument's report lands next to the logs
        command[1:2] = ["-m", "pyinstrument", "-r", "text", "-o", str(LOGS / f"{module}.profile.txt"), "-m"]
    with (LOGS / f"{name or module}.log").open("wb") as out:
        return subprocess.Popen(command,
                                env={**os.environ, **env, "LOG_LEVEL": "WARNING"}, stdout=out,
                                stderr=subprocess.STDOUT)


def stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        # SIGINT: uvicorn shuts down the same way, and a profiler writes its report.
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_ok(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


def percentile(values: Sequence[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, min(998, round(q * 1000) - 1))]


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


_SCRIPT = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
local non2xx = 0
response = function(status, headers, body)
  if status >= 300 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
end
"""


def wrk(url: str, *, seconds: float, connections: int, headers: dict[str, str], method: str = "GET",
        body: str | None = None, threads: int = 1) -> WrkResult:
    """Load from wrk (C, not Python); a Lua script sets the method, body and headers."""
    lines = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    script = _SCRIPT % {"method": json.dumps(method), "body": json.dumps(body) if body is not None else "nil",
                        "headers": "\n".join(lines)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
                   "--latency", "--timeout", "10s", "-s", handle.name, url]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    finally:
        os.unlink(handle.name)
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if rps is None or p50 is None or p99 is None:
        raise RuntimeError(f"wrk output not understood:\n{text}\n{out.stderr}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return WrkResult(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), errors)


def ratio_line(name: str, value: float) -> str:
    return f"RATIO {name} {value:.2f}"
