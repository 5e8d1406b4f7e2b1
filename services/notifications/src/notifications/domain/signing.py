"""Webhook signatures, as partners verify them.

``X-Coop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``

The timestamp is signed with the body so a captured request cannot be
replayed later: receivers reject a ``t`` older than a few minutes. ``v1``
names the scheme so it can evolve; several ``v1`` values may appear during a
secret rotation.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Coop-Signature"
DELIVERY_HEADER = "X-Coop-Delivery"
EVENT_TYPE_HEADER = "X-Coop-Event-Type"
EVENT_ID_HEADER = "X-Coop-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


def compute_signature(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def verify_signature(header: str, secret: bytes, body: bytes, *, now: int,
                     tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: parse, check freshness, compare in constant time."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_seconds:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
