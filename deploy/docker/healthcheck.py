"""Container health check for every coop service image (standard library only).

Usage: python /opt/coop/healthcheck.py [PATH]      (PATH defaults to /health/live)

GETs http://127.0.0.1:$COOP_PORT$PATH and exits 0 on a 2xx answer, 1 otherwise
(connection refused, timeout, 4xx/5xx). The Dockerfile's HEALTHCHECK uses the
liveness path; docker-compose.yml passes /health/ready so that `depends_on:
condition: service_healthy` waits until MongoDB and RabbitMQ are reachable.
No curl/wget in the image: the runtime image carries Python anyway.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PATH = "/health/live"


def check(url: str, timeout: float) -> int:
    # An empty ProxyHandler: never send a loopback probe through HTTP(S)_PROXY.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # 4xx / 5xx
        print(f"healthcheck: {url} answered {exc.code}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"healthcheck: {url} unreachable: {exc}", file=sys.stderr)
        return 1
    return 0 if 200 <= status < 300 else 1


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else DEFAULT_PATH
    if not path.startswith("/"):
        path = "/" + path
    port = os.environ.get("COOP_PORT", "8080")
    timeout = float(os.environ.get("COOP_HEALTHCHECK_TIMEOUT", "4"))
    return check(f"http://127.0.0.1:{port}{path}", timeout)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
