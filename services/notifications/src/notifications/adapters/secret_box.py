"""Endpoint secrets at rest.

A webhook secret must be readable to sign deliveries, so it is encrypted
(AES-256-GCM), not hashed. The key is derived from WEBHOOK_SIGNING_KEY with
HKDF; the endpoint id is authenticated with the ciphertext, so a ciphertext
copied onto another endpoint does not decrypt. The ``v1:`` prefix leaves room
for a key rotation scheme.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"coop-notifications webhook endpoint secrets v1"


class SecretUnreadable(Exception):
    pass


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master_key)
        self._aead = AESGCM(key)

    def seal(self, secret: str, endpoint_id: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), endpoint_id.encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, endpoint_id: str) -> str:
        version, _, payload = sealed.partition(":")
        if version != "v1":
            raise SecretUnreadable("unknown secret format")
        try:
            raw = base64.b64decode(payload)
            return self._aead.decrypt(raw[:12], raw[12:], endpoint_id.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise SecretUnreadable("secret does not decrypt with the current key") from exc
