"""Token versions: a token older than its member's current version is refused."""

from __future__ import annotations

import pytest

from coop_shared.auth.principal import Principal, Role
from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import InvalidToken, SigningKey, TokenVerifier, issue_access_token


async def test_tokens_carry_the_version_and_older_ones_are_refused() -> None:
    key = SigningKey.generate()
    verifier = TokenVerifier(jwks={"keys": [key.public_jwk()]})
    versions = TokenVersions()
    old = await verifier.verify(issue_access_token(key, subject="m1", role=Role.ADMIN, token_version=2))
    assert old.token_version == 2 and versions.accepts(old)
    versions.learn("m1", 3)
    versions.learn("m1", 1)  # an older event never lowers it
    assert versions.current("m1") == 3 and not versions.accepts(old)
    new = await verifier.verify(issue_access_token(key, subject="m1", role=Role.MEMBER, token_version=3))
    assert versions.accepts(new)
    # Tokens without the claim are version 0; partner tokens are not people's and are not checked.
    legacy = await verifier.verify(issue_access_token(key, subject="m1", role=Role.MEMBER))
    assert legacy.token_version == 0 and not versions.accepts(legacy)
    assert versions.accepts(Principal(id="m1", role=Role.PARTNER))


async def test_a_malformed_version_claim_is_an_invalid_token() -> None:
    key = SigningKey.generate()
    verifier = TokenVerifier(jwks={"keys": [key.public_jwk()]})
    for bad in ("3", -1, True, 1.5):
        token = issue_access_token(key, subject="m1", role=Role.MEMBER, extra={"token_version": bad})
        with pytest.raises(InvalidToken):
            await verifier.verify(token)
