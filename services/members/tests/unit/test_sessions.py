"""Refresh-token rotation outcomes and the login throttle policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from members.domain.sessions import (
    RefreshOutcome,
    RefreshStatus,
    ThrottlePolicy,
    hash_refresh_token,
    new_refresh_token,
    refresh_outcome,
    throttle_key,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def test_refresh_outcomes() -> None:
    assert refresh_outcome(RefreshStatus.ACTIVE, LATER, NOW) is RefreshOutcome.ROTATE
    assert refresh_outcome(RefreshStatus.ROTATED, LATER, NOW) is RefreshOutcome.REUSE
    assert refresh_outcome(RefreshStatus.ROTATED, NOW, LATER) is RefreshOutcome.REUSE  # reuse wins over expiry
    assert refresh_outcome(RefreshStatus.REVOKED, LATER, NOW) is RefreshOutcome.INVALID
    assert refresh_outcome(RefreshStatus.ACTIVE, NOW, NOW) is RefreshOutcome.INVALID


def test_refresh_tokens_are_random_and_stored_as_hashes() -> None:
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert hash_refresh_token(token) == hash_refresh_token(token) != token
    assert len(hash_refresh_token(token)) == 64


def test_throttle_policy() -> None:
    policy = ThrottlePolicy(max_failures=5, window_seconds=900, lockout_seconds=300)
    assert not policy.exceeded(5) and policy.exceeded(6)
    assert policy.retry_after(None, NOW) is None
    assert policy.retry_after(NOW - timedelta(seconds=1), NOW) is None
    assert policy.retry_after(policy.lock_until(NOW), NOW) == 300
    assert policy.retry_after(NOW + timedelta(milliseconds=10), NOW) == 1  # never 0: clients would spin
    assert policy.window_start(NOW) == NOW - timedelta(seconds=900)


def test_throttle_key_ignores_case_and_holds_no_address() -> None:
    assert throttle_key(" Ada@Example.be") == throttle_key("ada@example.be")
    assert "ada" not in throttle_key("ada@example.be")
