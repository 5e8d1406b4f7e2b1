"""The client's address, as far as it can be trusted.

The connection's peer is the client, unless that peer is a configured trusted
proxy (``TRUSTED_PROXIES``, CIDRs): then the client is the right-most hop of
``X-Forwarded-For`` that is not itself a trusted proxy. Anything to the left
of that hop was written by the client and is ignored, so a client cannot pick
its own address by sending the header (uvicorn's ``proxy_headers`` is off).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses); raises ValueError naming a bad entry."""
    networks = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"not an IP network: {text!r}") from exc
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: Sequence[Network]) -> bool:
    address = _ip(text)
    return address is not None and any(address in net for net in networks)


def resolve_client(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """``forwarded_for``: the X-Forwarded-For header values, in order."""
    client = peer or "unknown"
    if not _trusted(client, trusted):
        return client
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _ip(hop) is None:
            break  # garbage a proxy passed on: nothing to its left can be believed
        client = hop
        if not _trusted(hop, trusted):
            break
    return client


def client_address(scope: Scope, trusted: Sequence[Network]) -> str:
    peer = scope.get("client")
    forwarded = Headers(scope=scope).getlist("x-forwarded-for")
    return resolve_client(peer[0] if peer else None, forwarded, trusted)
