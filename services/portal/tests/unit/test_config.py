import pytest

from portal.config import PortalSettings
from portal.main import _fernet


def test_cookies_are_secure_outside_a_developers_machine() -> None:
    assert PortalSettings(environment="production").secure_cookies
    assert PortalSettings(environment="staging").secure_cookies
    assert not PortalSettings(environment="development").secure_cookies


def test_production_needs_its_own_session_key() -> None:
    with pytest.raises(RuntimeError, match="SESSION_KEY"):
        _fernet(PortalSettings(environment="production"))
    key = "x" * 43 + "="
    fernet = _fernet(PortalSettings(environment="production", session_key=key))
    assert fernet.decrypt(fernet.encrypt(b"tokens")) == b"tokens"
