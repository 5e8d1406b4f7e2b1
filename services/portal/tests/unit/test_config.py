import pytest

from coop_shared.cli import SERVER_KEEP_ALIVE_SECONDS, UVICORN_OPTIONS
from portal.config import PortalSettings
from portal.context import fernet


def test_cookies_are_secure_outside_a_developers_machine() -> None:
    assert PortalSettings(environment="production").secure_cookies
    assert PortalSettings(environment="staging").secure_cookies
    assert not PortalSettings(environment="development").secure_cookies


def test_production_needs_its_own_session_key() -> None:
    with pytest.raises(RuntimeError, match="SESSION_KEY"):
        fernet(PortalSettings(environment="production"))
    key = "x" * 43 + "="
    box = fernet(PortalSettings(environment="production", session_key=key))
    assert box.decrypt(box.encrypt(b"tokens")) == b"tokens"


def test_idle_connections_to_the_gateway_are_dropped_before_the_gateway_closes_them() -> None:
    # The same pool serves every person: a connection the gateway closes while a login is
    # sent on it is a reset and a 500, so the portal lets idle connections go first.
    assert UVICORN_OPTIONS["timeout_keep_alive"] == SERVER_KEEP_ALIVE_SECONDS
    assert PortalSettings().gateway_keepalive_seconds < SERVER_KEEP_ALIVE_SECONDS
    with pytest.raises(ValueError):
        PortalSettings(gateway_keepalive_seconds=SERVER_KEEP_ALIVE_SECONDS)
