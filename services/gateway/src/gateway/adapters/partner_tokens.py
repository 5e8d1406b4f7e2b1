"""Partner requests travel on as short-lived access tokens signed by the
gateway, so each service verifies a partner exactly like a person (the
gateway's keys may only grant the partner role)."""

from __future__ import annotations

import time

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import SigningKey, issue_access_token
from gateway.adapters.api_keys import ApiKeyRecord

TOKEN_TTL_SECONDS = 120


class PartnerTokens:
    def __init__(self, key: SigningKey, *, issuer: str, audience: str) -> None:
        self.key = key
        self._issuer = issuer
        self._audience = audience
        self._cache: dict[str, tuple[float, str]] = {}

    def token_for(self, record: ApiKeyRecord) -> str:
        # Reuse a token until half its life: one RSA signature per key per minute, not per request.
        cached = self._cache.get(record.id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < TOKEN_TTL_SECONDS / 2:
            return cached[1]
        # A bound key's activities travel in the token: each service narrows what the partner reaches.
        bound = None if record.activity_ids is None else {"activities": sorted(record.activity_ids)}
        token = issue_access_token(self.key, subject=record.id, role=Role.PARTNER, scopes=record.scopes,
                                   ttl_seconds=TOKEN_TTL_SECONDS, issuer=self._issuer, audience=self._audience,
                                   extra=bound)
        self._cache[record.id] = (now, token)
        return token

    def forget(self) -> None:
        self._cache.clear()
