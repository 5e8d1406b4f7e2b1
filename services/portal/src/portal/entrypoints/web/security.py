"""Headers every portal answer carries: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

from starlette.types import Scope

from coop_shared.http.asgi import AnswerHeadersMiddleware, RawHeaders

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeadersMiddleware(AnswerHeadersMiddleware):
    def rewrite(self, scope: Scope, headers: RawHeaders) -> RawHeaders:
        present = {name.lower() for name, _ in headers}
        headers.extend(h for h in _HEADERS if h[0] not in present)
        if scope["path"].startswith("/app"):
            headers.append((b"cache-control", b"no-store"))
        return headers
