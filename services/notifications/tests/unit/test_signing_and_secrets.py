"""Webhook signatures (Standard Webhooks, as partners verify them) and endpoint secrets at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notifications.adapters.secret_box import SecretBox, SecretUnreadable
from notifications.domain.signing import NotAStandardSecret, new_secret, signature, signed_headers


def test_signature_is_base64_hmac_sha256_over_id_dot_timestamp_dot_body() -> None:
    secret, body = new_secret(), b'{"id":"e-1"}'
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()).decode()
    assert signature(secret, "msg_1", 1700000000, body) == f"v1,{expected}"


@given(body=st.text(max_size=512), message_id=st.text(alphabet="abcdef0123456789-", min_size=1, max_size=40))
def test_the_standard_library_verifies_what_we_sign_and_nothing_else(body: str, message_id: str) -> None:
    secret, other = new_secret(), new_secret()
    now = int(time.time())
    headers = signed_headers([secret], message_id, now, body.encode())
    assert Webhook(secret).verify(body.encode(), headers, json_parse=False) is None
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body.encode(), headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify((body + " ").encode(), headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):  # replayed too late
        Webhook(secret).verify(body.encode(), signed_headers([secret], message_id, now - 301, body.encode()),
                               json_parse=False)


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers([new, old], "d-1", int(time.time()), b"{}")
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(b"{}", headers)
    with pytest.raises(ValueError):
        signed_headers([], "d-1", 1, b"{}")


def test_a_secret_from_before_standard_webhooks_is_refused_clearly() -> None:
    with pytest.raises(NotAStandardSecret, match="rotate"):
        signature("whsec_Zm9v-YmFy_", "d-1", 1, b"{}")


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
