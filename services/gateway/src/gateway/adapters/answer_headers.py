"""Which of a service's answer headers the gateway passes on, and how.

- Hop-by-hop headers and those the gateway sets itself (request ids) stay out.
- ``content-encoding`` stays: the raw (still encoded) bytes are relayed.
- ``date`` and ``server`` are the gateway's server's to send: passing the
  service's on doubled them.
- A redirect's ``Location`` naming a service's own address (FastAPI's
  trailing-slash 307 says ``http://127.0.0.1:8001/...``) would disclose the
  internal topology and lead clients around the gateway: it becomes the
  path alone, which the client resolves against the gateway.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import aiohttp

_DROPPED = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length", "date", "server",
}


def relative_location(location: str) -> str:
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def answer_headers(upstream: aiohttp.ClientResponse,
                   also_dropped: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    dropped = _DROPPED | {name.lower() for name in also_dropped}
    headers = []
    for name, value in upstream.headers.items():  # every value of a repeated header
        lower = name.lower()
        if lower in dropped:
            continue
        if lower == "location":
            value = relative_location(value)
        headers.append((name, value))
    return headers
