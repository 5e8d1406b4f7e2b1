"""Secret choices sealed until the count.

A secret vote is stored as a sealed box: AES-256-GCM under a key derived for its
resolution (HKDF-SHA256 from ``BALLOT_SEALING_KEY``), the resolution id as
associated data, and the choice padded to one fixed length, so every box of a
resolution has the same size whatever it holds. Whoever reads the database, its
backups, its replication log or a change stream sees a participation and a box
written together, never what the box says. Only the closing transaction opens
the boxes: it adds them to the counters and deletes them, so after the count the
database holds totals alone.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from governance.domain.resolution import Choice

NONCE_BYTES = 12
PLAINTEXT_BYTES = 16  # longer than any choice's name: every box the same size


class UnreadableBallot(Exception):
    """A box that this key did not seal for this resolution (or that was altered)."""


class BallotSeal:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) < 32:
            raise ValueError("the ballot sealing key needs at least 32 bytes")
        self._master = master_key

    def _cipher(self, resolution_id: str) -> AESGCM:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"coop-ballot:" + resolution_id.encode()).derive(self._master)
        return AESGCM(key)

    def seal(self, resolution_id: str, choice: Choice) -> str:
        plain = choice.value.encode().ljust(PLAINTEXT_BYTES, b"\0")
        nonce = secrets.token_bytes(NONCE_BYTES)
        box = self._cipher(resolution_id).encrypt(nonce, plain, resolution_id.encode())
        return base64.b64encode(nonce + box).decode()

    def open(self, resolution_id: str, sealed: str) -> Choice:
        try:
            raw = base64.b64decode(sealed, validate=True)
            plain = self._cipher(resolution_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], resolution_id.encode())
            return Choice(plain.rstrip(b"\0").decode())
        except Exception as exc:
            raise UnreadableBallot(resolution_id) from exc
