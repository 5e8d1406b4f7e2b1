"""Client link tokens: random, URL-safe, stored as a hash."""

from __future__ import annotations

import hashlib

from invoicing.domain.quote_links import MAX_TOKEN_LENGTH, new_token, token_hash


def test_tokens_are_long_unique_and_url_safe() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 43 <= MAX_TOKEN_LENGTH and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_only_the_sha256_is_kept() -> None:
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest() != token
