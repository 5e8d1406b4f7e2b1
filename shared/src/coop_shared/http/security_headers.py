"""Security headers on every answer of every service (and so of the gateway).

API answers carry personal data (a member's e-mail, address, IBAN): nothing
may keep them in a cache, and browsers must not sniff or frame them. A route
that means otherwise sets its own Cache-Control (the JWKS is public and
cacheable); these are defaults, never overrides, so headers the gateway copies
from a service are not doubled.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

DEFAULTS: tuple[tuple[str, str], ...] = (
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
)
# JSON answers are never documents to render: no script, no frame, nothing loaded.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(headers: MutableHeaders) -> None:
    for name, value in DEFAULTS:
        if name not in headers:
            headers[name] = value
    if "content-security-policy" not in headers and "json" in headers.get("content-type", ""):
        headers["content-security-policy"] = JSON_CSP
