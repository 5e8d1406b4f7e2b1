"""One more try when an upstream connection was reset under an idempotent request.

A pooled keep-alive connection may be closed by the service (a restart, an
idle timeout) just as the gateway reuses it: the request never reached the
service, or reached it and is safe to repeat. Methods that are idempotent by
definition, and writes carrying an Idempotency-Key (the service answers a
replay with the first answer), are sent once more on a fresh connection;
other writes are not, as the service may have acted on them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from coop_shared.observability.logging import get_logger

log = get_logger("proxy.retry")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# What a reset connection looks like to httpx (a refused connection is a ConnectError: not retried here).
RESET_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def may_repeat(method: str, headers: dict[str, str]) -> bool:
    return method.upper() in IDEMPOTENT_METHODS or any(k.lower() == "idempotency-key" for k in headers)


async def send_with_retry(client: httpx.AsyncClient, build: Callable[[], httpx.Request], *, method: str,
                          headers: dict[str, str], upstream: str, repeatable: bool = True) -> httpx.Response:
    """Send with a streamed answer; once more on a reset connection when that is safe."""
    try:
        return await client.send(build(), stream=True)
    except RESET_ERRORS as exc:
        if not (repeatable and may_repeat(method, headers)):
            raise
        log.warning("upstream_connection_reset_retrying", upstream=upstream, error=type(exc).__name__)
        return await client.send(build(), stream=True)
