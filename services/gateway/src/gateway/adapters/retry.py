"""One more try when an upstream connection was reset under an idempotent request.

A pooled keep-alive connection may be closed by the service (a restart, an
idle timeout) just as the gateway reuses it: the request never reached the
service, or reached it and is safe to repeat. Methods that are idempotent by
definition, and writes carrying an Idempotency-Key (the service answers a
replay with the first answer), are sent once more on a fresh connection;
other writes are not, as the service may have acted on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from coop_shared.observability.logging import get_logger

log = get_logger("proxy.retry")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def is_reset(exc: BaseException) -> bool:
    """A connection the service dropped under the request (a refused connection is not one: it is a
    ClientConnectorError, answered 503 without a retry)."""
    return (isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError)
            and not isinstance(exc, aiohttp.ClientConnectorError))


def may_repeat(method: str, headers: dict[str, str]) -> bool:
    return method.upper() in IDEMPOTENT_METHODS or any(k.lower() == "idempotency-key" for k in headers)


async def send_with_retry(send: Callable[[], Awaitable[aiohttp.ClientResponse]], *, method: str,
                          headers: dict[str, str], upstream: str, repeatable: bool = True) -> aiohttp.ClientResponse:
    """The answer with its body still to read; once more on a reset connection when that is safe."""
    try:
        return await send()
    except aiohttp.ClientError as exc:
        if not (is_reset(exc) and repeatable and may_repeat(method, headers)):
            raise
        log.warning("upstream_connection_reset_retrying", upstream=upstream, error=type(exc).__name__)
        return await send()
