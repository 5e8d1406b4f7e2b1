"""What the gateway adds to, and removes from, every answer it sends.

- ``RateLimit-Policy`` / ``RateLimit`` (IETF draft "RateLimit header fields
  for HTTP") and the older ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset``
  trio many clients read, from the tightest quota the request was counted
  against;
- one ``date`` and one ``server``: a proxied answer brings the upstream's,
  and the HTTP server in front of the gateway (uvicorn) always adds its own,
  so the upstream's are dropped here.
- CORS: the headers browsers may read, and the settings (see the README).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain.rate_limit import Decision
from gateway.service_layer.admission import RATE_LIMIT_STATE

SERVER_HEADERS = (b"date", b"server")

CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match",
                      "X-Request-ID", "X-Correlation-ID", "X-API-Key"]
CORS_EXPOSE_HEADERS = ["Content-Disposition", "Idempotent-Replayed", "Location", "ETag", "Retry-After",
                       "RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining",
                       "RateLimit-Reset", "X-Request-ID", "X-Correlation-ID"]
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def rate_limit_headers(decision: Decision, window_seconds: float) -> dict[str, str]:
    window = int(window_seconds)
    return {
        "RateLimit-Policy": f'"default";q={decision.limit};w={window}',
        "RateLimit": f'"default";r={decision.remaining};t={decision.reset}',
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(decision.reset),
    }


class GatewayHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def adjust(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                      if k.lower() not in SERVER_HEADERS]
                state: dict[str, Any] = scope.get("state") or {}
                counted = state.get(RATE_LIMIT_STATE)
                if counted is not None:
                    headers = MutableHeaders(scope=message)
                    for name, value in rate_limit_headers(*counted).items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, adjust)
