"""Client links for quotes: an unguessable token, stored only as a hash.

The token (32 random bytes, URL-safe) is shown once, to the member who sends
the quote; the database keeps its SHA-256, so a leaked database does not
open any quote. A token names exactly one quote: it is looked up by hash.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) has 43 characters; longer input is refused before hashing


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
