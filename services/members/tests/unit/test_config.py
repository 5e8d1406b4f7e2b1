"""Settings: production needs a key, token lifetimes and refund delay are bounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from coop_shared.auth.tokens import SigningKey
from members.config import MembersSettings


def test_defaults() -> None:
    settings = MembersSettings()
    assert settings.share_price == Decimal("30.00") and isinstance(settings.share_price, Decimal)
    assert settings.access_token_ttl_seconds <= 900 and settings.share_refund_delay_years == 3


def test_production_refuses_to_start_without_a_signing_key() -> None:
    with pytest.raises(ValidationError, match="JWT_PRIVATE_KEY"):
        MembersSettings(environment="production")
    pem = SigningKey.generate().to_pem()
    one_line = pem.replace("\n", "\\n")  # how env files carry a PEM
    settings = MembersSettings(environment="production", jwt_private_key=one_line)
    assert settings.jwt_private_key is not None
    assert SigningKey.from_pem(settings.jwt_private_key.get_secret_value()).kid


@pytest.mark.parametrize("overrides", [
    {"access_token_ttl_seconds": 901}, {"share_refund_delay_years": 4}, {"share_price": "0"},
    {"bootstrap_admin_email": "admin@coop.example"},  # a password is needed too
])
def test_bounds(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MembersSettings(**overrides)  # type: ignore[arg-type]


def test_share_price_from_the_environment_stays_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARE_PRICE", "25.10")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_EMAIL", "")
    assert MembersSettings().share_price == Decimal("25.10")
    assert MembersSettings().bootstrap_admin_email is None
