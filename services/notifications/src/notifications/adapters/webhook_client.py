"""POSTing a signed delivery to a partner's endpoint (httpx).

The request goes to the address that was checked (no second DNS lookup a
hostile DNS server could answer differently), with the original host name in
the Host header and for TLS (SNI and certificate check). Redirects are not
followed (they could lead anywhere) and the response body is never read
beyond its headers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from notifications.domain.addresses import IPAddress, WebhookTarget


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def pinned_url(target: WebhookTarget, address: IPAddress) -> str:
    parts = urlsplit(target.url)
    host = f"[{address.compressed}]" if address.version == 6 else address.compressed
    return urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def host_header(target: WebhookTarget) -> str:
    host = f"[{target.host}]" if target.ip is not None and target.ip.version == 6 else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


class HttpWebhookClient:
    def __init__(self, timeout_seconds: float, user_agent: str = "coop-notifications-webhooks/1") -> None:
        self._timeout = timeout_seconds
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), follow_redirects=False,
                                         trust_env=False, headers={"User-Agent": user_agent})

    async def post(self, target: WebhookTarget, address: IPAddress, headers: dict[str, str],
                   body: bytes) -> PostResult:
        started = time.monotonic()
        extensions = {"sni_hostname": target.host} if target.scheme == "https" and target.ip is None else {}
        request = self._client.build_request(
            "POST", pinned_url(target, address), content=body,
            headers={**headers, "Host": host_header(target), "Content-Type": "application/json"},
            extensions=extensions,
        )
        try:
            # One deadline for the whole exchange: httpx's timeouts are per read.
            async with asyncio.timeout(self._timeout):
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except (httpx.HTTPError, TimeoutError) as exc:
            return PostResult(None, f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__,
                              _elapsed(started))
        return PostResult(response.status_code, None, _elapsed(started))

    async def close(self) -> None:
        await self._client.aclose()


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

