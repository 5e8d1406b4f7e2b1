"""Webhook signatures (as partners verify them) and endpoint secrets at rest."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.adapters.secret_box import SecretBox, SecretUnreadable
from notifications.domain.signing import compute_signature, signature_header, verify_signature


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    secret, body = b"whsec_test", b'{"id":"e-1"}'
    expected = hmac.new(secret, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert compute_signature(secret, 1700000000, body) == expected
    assert signature_header(secret, 1700000000, body) == f"t=1700000000,v1={expected}"


@given(secret=st.binary(min_size=1, max_size=64), body=st.binary(max_size=2048),
       timestamp=st.integers(min_value=0, max_value=2**40))
def test_a_signed_body_verifies_and_any_change_does_not(secret: bytes, body: bytes, timestamp: int) -> None:
    header = signature_header(secret, timestamp, body)
    assert verify_signature(header, secret, body, now=timestamp)
    assert not verify_signature(header, secret, body + b" ", now=timestamp)
    assert not verify_signature(header, secret + b"x", body, now=timestamp)
    assert not verify_signature(header, secret, body, now=timestamp + 301)  # replayed too late


def test_malformed_headers_do_not_verify() -> None:
    for header in ("", "t=abc,v1=00", "v1=00", "t=1", "garbage"):
        assert not verify_signature(header, b"s", b"{}", now=1)


def test_secrets_are_sealed_per_endpoint() -> None:
    box = SecretBox(b"k" * 40)
    sealed = box.seal("whsec_abc", "endpoint-1")
    assert "whsec_abc" not in sealed and sealed.startswith("v1:")
    assert box.open(sealed, "endpoint-1") == "whsec_abc"
    with pytest.raises(SecretUnreadable):
        box.open(sealed, "endpoint-2")  # copied onto another endpoint
    with pytest.raises(SecretUnreadable):
        SecretBox(b"another key of forty characters........").open(sealed, "endpoint-1")
    with pytest.raises(SecretUnreadable):
        box.open("v2:whatever", "endpoint-1")
