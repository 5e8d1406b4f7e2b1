"""Every link a member's e-mail or inbox entry carries opens a page of the
portal: each message of the catalogue, in each language, rendered the way the
notifications service renders it, and each of its links matched against the
portal's own routes."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Match

from notifications.adapters.rendering import TemplateRenderer
from notifications.domain.catalogue import RULES
from notifications.domain.languages import SUPPORTED_LANGUAGES
from portal.main import create_app as create_portal
from services.notifications.tests.unit.samples import sample_payload

SITE = "https://coop.example"
LINK = re.compile(re.escape(SITE) + r"(/[^\s\"'<>)]*)")
renderer = TemplateRenderer()
portal = create_portal()


def portal_has(path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in portal.routes)


MEMBER_TEMPLATES = sorted({r.template for r in RULES if r.notifies_people and r.template} | {"sending_failed"})


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("template", MEMBER_TEMPLATES)
def test_each_link_in_a_members_message_opens_a_portal_page(template: str, language: str) -> None:
    rule = next((r for r in RULES if r.template == template), None)
    data = sample_payload(rule.event_type) if rule else {"member_path": "/app/invoices/inv-1"}
    message = renderer.render(template, language, {
        "recipient": {"name": "Ada", "language": language, "member": True}, "data": data,
        "event": {"id": "e-1"}, "app_url": SITE + "/app", "site_url": SITE})
    links = set(LINK.findall(message.text)) | set(LINK.findall(message.html))
    assert links, f"{language}/{template} links to nothing on the site"
    if message.action_url:  # the inbox entry's link too
        assert LINK.fullmatch(message.action_url), message.action_url
    for path in links:
        assert path.startswith("/app"), (template, path)
        assert portal_has(path), f"{language}/{template} links to {path}, which the portal does not serve"


def test_a_path_the_portal_does_not_serve_is_told_apart() -> None:
    assert portal_has("/app/invoices/inv-1") and portal_has("/app/payslips/p-1/pdf")
    assert not portal_has("/app/ledger") and not portal_has("/app/payslips/p-1")
