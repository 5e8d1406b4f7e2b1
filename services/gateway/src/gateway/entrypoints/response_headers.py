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

from starlette.types import Scope

from coop_shared.http.asgi import AnswerHeadersMiddleware, RawHeaders
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


class GatewayHeadersMiddleware(AnswerHeadersMiddleware):
    def rewrite(self, scope: Scope, headers: RawHeaders) -> RawHeaders:
        kept = [(k, v) for k, v in headers if k.lower() not in SERVER_HEADERS]
        state: dict[str, Any] = scope.get("state") or {}
        counted = state.get(RATE_LIMIT_STATE)
        if counted is not None:
            added = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                     for name, value in rate_limit_headers(*counted).items()]
            names = {name for name, _ in added}
            kept = [(k, v) for k, v in kept if k.lower() not in names] + added  # ours replace any upstream's
        return kept
