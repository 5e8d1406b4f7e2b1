"""What the gateway shows only to the operator's networks.

The gateway is the public entry: its own metrics and FastAPI's documents of
the gateway app (/metrics, /docs, /redoc, /openapi.json) and the details of
/health/ready (outbox counters, each upstream's state) are answered only to a
client in ``INTERNAL_NETWORKS``. The client address is the one resolved
against ``TRUSTED_PROXIES``, so a public client behind the load balancer is
not mistaken for the load balancer. The public API documents
(/api/docs, /api/openapi.json) stay public.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from coop_shared.http.client_address import Network, client_address
from coop_shared.http.errors import error_response

INTERNAL_PATHS = frozenset({"/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_internal(scope: Scope, trusted: Sequence[Network], internal: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(client_address(scope, trusted))
    except ValueError:
        return False
    return any(address in net for net in internal)


class InternalOnlyMiddleware:
    def __init__(self, app: ASGIApp, trusted: Sequence[Network], internal: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.internal = tuple(internal)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] in INTERNAL_PATHS
                and not is_internal(scope, self.trusted, self.internal)):
            await error_response(404, "not_found", "No such API route.")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def readiness_details(trusted: Sequence[Network], internal: Sequence[Network]) -> Callable[[Request], bool]:
    def show(request: Request) -> bool:
        return is_internal(request.scope, trusted, internal)

    return show
