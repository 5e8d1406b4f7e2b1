"""The local mail page exists on a developer's machine only, whatever else is configured."""

from __future__ import annotations

import pytest
from starlette.routing import Match

from gateway.config import GatewaySettings
from gateway.main import create_app


@pytest.mark.parametrize(("environment", "served"), [
    ("development", True), ("local", True), ("test", False), ("staging", False), ("production", False)])
def test_dev_mail_is_served_only_in_a_local_environment(environment: str, served: bool) -> None:
    settings = GatewaySettings(environment=environment, dev_mail_dir="/tmp/mail")
    assert settings.dev_mail_enabled is served
    app = create_app(settings)
    scope = {"type": "http", "path": "/dev/mail", "method": "GET", "root_path": "", "query_string": b"",
             "headers": []}
    assert any(route.matches(scope)[0] == Match.FULL for route in app.router.routes) is served
