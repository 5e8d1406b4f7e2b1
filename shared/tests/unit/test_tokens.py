"""Access-token verification (pure: keys given directly, no HTTP)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import (
    PARTNER_ROLES,
    InvalidToken,
    KeySource,
    SigningKey,
    TokenVerifier,
    issue_access_token,
)

KEY = SigningKey.generate()
OTHER = SigningKey.generate()
GATEWAY = SigningKey.generate()


def verifier() -> TokenVerifier:
    return TokenVerifier(jwks={"keys": [KEY.public_jwk()]}, extra_sources=[
        KeySource("coop-gateway", PARTNER_ROLES, jwks={"keys": [GATEWAY.public_jwk()]})])


async def test_valid_token_gives_the_principal() -> None:
    token = issue_access_token(KEY, subject="m-1", role=Role.ADVISOR, language="nl")
    principal = await verifier().verify(token)
    assert (principal.id, principal.role, principal.language) == ("m-1", Role.ADVISOR, "nl")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_alg_none_is_refused() -> None:
    now = int(time.time())
    claims = {"sub": "m-1", "role": "admin", "iat": now, "exp": now + 60, "aud": "coop-platform",
              "iss": "coop-members"}
    token = f"{_b64({'alg': 'none', 'kid': KEY.kid})}.{_b64(claims)}."
    with pytest.raises(InvalidToken):
        await verifier().verify(token)


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    now = int(time.time())
    public_pem = KEY.public_jwk()["n"]
    token = jwt.encode({"sub": "m-1", "role": "admin", "iat": now, "exp": now + 60, "aud": "coop-platform",
                        "iss": "coop-members"}, public_pem, algorithm="HS256", headers={"kid": KEY.kid})
    with pytest.raises(InvalidToken):
        await verifier().verify(token)


async def test_tampered_payload_is_refused() -> None:
    header, _, signature = issue_access_token(KEY, subject="m-1", role=Role.MEMBER).split(".")
    now = int(time.time())
    forged = _b64({"sub": "m-1", "role": "admin", "iat": now, "exp": now + 60, "aud": "coop-platform",
                   "iss": "coop-members"})
    with pytest.raises(InvalidToken):
        await verifier().verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("kwargs", [
    {"ttl_seconds": -60},                 # expired
    {"audience": "another-platform"},      # wrong audience
    {"issuer": "someone-else"},            # wrong issuer
])
async def test_expired_or_misaddressed_tokens_are_refused(kwargs: dict[str, object]) -> None:
    token = issue_access_token(KEY, subject="m-1", role=Role.MEMBER, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        await verifier().verify(token)


async def test_unknown_key_is_refused() -> None:
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier().verify(issue_access_token(OTHER, subject="m-1", role=Role.MEMBER))


async def test_each_issuer_grants_only_its_roles() -> None:
    partner = issue_access_token(GATEWAY, subject="key-1", role=Role.PARTNER, issuer="coop-gateway",
                                 scopes=frozenset({"invoices:read"}))
    principal = await verifier().verify(partner)
    assert principal.role is Role.PARTNER and principal.scopes == {"invoices:read"}
    # The gateway's key cannot mint an admin, nor the members key a partner.
    with pytest.raises(InvalidToken):
        await verifier().verify(issue_access_token(GATEWAY, subject="x", role=Role.ADMIN, issuer="coop-gateway"))
    with pytest.raises(InvalidToken):
        await verifier().verify(issue_access_token(KEY, subject="x", role=Role.PARTNER))


async def test_a_partner_token_carries_the_activities_its_key_is_bound_to() -> None:
    bound = issue_access_token(GATEWAY, subject="key-1", role=Role.PARTNER, issuer="coop-gateway",
                               scopes=frozenset({"invoices:write"}), extra={"activities": ["a-1", "a-2"]})
    principal = await verifier().verify(bound)
    assert principal.activities == frozenset({"a-1", "a-2"})
    assert principal.reaches("a-1") and not principal.reaches("a-3")
    unbound = await verifier().verify(issue_access_token(GATEWAY, subject="key-2", role=Role.PARTNER,
                                                         issuer="coop-gateway"))
    assert unbound.activities is None and unbound.reaches("a-3")
    malformed = issue_access_token(GATEWAY, subject="key-3", role=Role.PARTNER, issuer="coop-gateway",
                                   extra={"activities": "a-1"})
    with pytest.raises(InvalidToken):
        await verifier().verify(malformed)
