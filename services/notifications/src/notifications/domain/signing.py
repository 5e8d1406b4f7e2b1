"""Webhook signatures, as the Standard Webhooks specification defines them
(https://www.standardwebhooks.com), so partners verify with its libraries.

- ``webhook-id``: the delivery's id, the same on every retry (receivers deduplicate on it);
- ``webhook-timestamp``: unix seconds, signed, so a captured request cannot be replayed later;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>``,
  several separated by spaces while a rotated secret is still honoured.

Secrets are ``whsec_<base64 key>``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_TYPE_HEADER = "X-Coop-Event-Type"
SECRET_PREFIX = "whsec_"
KEY_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(KEY_BYTES)).decode()


class NotAStandardSecret(ValueError):
    """A secret from before Standard Webhooks (not base64): the endpoint must rotate it."""


def _checked(secret: str) -> str:
    try:
        base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError as exc:
        raise NotAStandardSecret("the endpoint's secret predates Standard Webhooks; rotate it") from exc
    return secret


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    return Webhook(_checked(secret)).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body.decode())


def signed_headers(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers, with one signature per secret still honoured."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signature(s, message_id, timestamp, body) for s in secrets),
    }
