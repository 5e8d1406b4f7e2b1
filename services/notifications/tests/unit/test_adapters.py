"""Adapters that need no server: templates, the e-mail message, the calendar
invitation, the pinned webhook request."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from notifications.adapters.rendering import TEMPLATES_DIR, TemplateNotFound, TemplateRenderer
from notifications.adapters.smtp import OutgoingEmail, SmtpSender
from notifications.adapters.webhook_client import host_header, pinned_url
from notifications.config import NotificationsSettings
from notifications.domain.addresses import parse_target
from notifications.domain.attachments import Attachment, assembly_invitation


def _templates(tmp_path: Path) -> Path:
    for language in ("fr", "nl", "en"):
        (tmp_path / language).mkdir()
        for layout in ("layout.txt.j2", "layout.html.j2"):
            (tmp_path / language / layout).write_text((TEMPLATES_DIR / language / layout).read_text())
    (tmp_path / "fr" / "only_fr.txt.j2").write_text(
        "{% block subject %}Sujet {{ data.x }}{% endblock %}{% block body %}<b>{{ data.x }}</b>{% endblock %}")
    return tmp_path


def test_a_missing_language_falls_back_to_french_and_html_is_escaped(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_templates(tmp_path))
    context = {"recipient": {"name": "Jan", "member": True}, "data": {"x": "<script>"}, "app_url": "https://a"}
    message = renderer.render("only_fr", "nl", context)
    assert message.language == "fr" and message.subject == "Sujet <script>"
    assert message.summary == message.subject  # no summary block: the subject stands in
    assert "<b><script></b>" in message.text  # plain text is not HTML
    assert "&lt;b&gt;&lt;script&gt;&lt;/b&gt;" in message.html and "<script>" not in message.html
    with pytest.raises(TemplateNotFound):
        renderer.render("nowhere", "fr", context)


def test_the_email_has_both_parts_an_attachment_and_no_header_injection() -> None:
    sender = SmtpSender(NotificationsSettings(mail_from="Coop <no-reply@coop.test>"))
    message = sender.build(OutgoingEmail(
        delivery_id="d-1", to_address="ada@example.be", to_name="Ada\r\nBcc: victim@example.be", language="fr",
        subject="Hello\nBcc: victim@example.be", text="Bonjour", html="<p>Bonjour</p>",
        attachments=(Attachment("a.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),)))
    raw = message.as_string()
    assert "\nBcc:" not in raw and message["Subject"] == "Hello Bcc: victim@example.be"
    assert message["Message-ID"] == "<d-1@coop.test>" and message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content().strip() == "Bonjour"
    assert message.get_body(("html",)).get_content().strip() == "<p>Bonjour</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "a.ics"


def test_the_calendar_invitation_is_valid_icalendar() -> None:
    title = "Assemblée générale; comptes, budget et " + "x" * 80
    ics = assembly_invitation({"assembly_id": "as-1", "title": title, "opens_at": "2026-06-01T08:00:00Z",
                               "closes_at": "2026-06-08T18:00:00+02:00", "convened_at": "2026-05-01T00:00:00Z"},
                              domain="coop.test").content.decode()
    lines = ics.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and ics.endswith("END:VCALENDAR\r\n")
    assert "DTEND:20260608T160000Z" in lines and "UID:assembly-as-1@coop.test" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:Assemblée générale\\; comptes\\, budget et " in unfolded


def test_the_request_goes_to_the_checked_address_with_the_original_host() -> None:
    target = parse_target("https://hooks.partner.example/coop?x=1", allow_private=False)
    assert pinned_url(target, ipaddress.ip_address("93.184.216.34")) == "https://93.184.216.34:443/coop?x=1"
    assert pinned_url(target, ipaddress.ip_address("2606:4700::1")) == "https://[2606:4700::1]:443/coop?x=1"
    assert host_header(target) == "hooks.partner.example"
    local = parse_target("http://127.0.0.1:8080/h", allow_private=True)
    assert host_header(local) == "127.0.0.1:8080"
