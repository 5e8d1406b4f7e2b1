"""Resolving webhook hosts to the addresses a request would reach."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from notifications.domain.addresses import IPAddress

RESOLVE_TIMEOUT_SECONDS = 3.0


class ResolutionFailed(Exception):
    pass


class DnsResolver:
    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError, UnicodeError) as exc:
            raise ResolutionFailed(f"{host}: {type(exc).__name__}") from exc
        found: dict[str, IPAddress] = {}
        for _family, _type, _proto, _name, sockaddr in infos:
            text = str(sockaddr[0])
            found.setdefault(text, ipaddress.ip_address(text))
        return list(found.values())
