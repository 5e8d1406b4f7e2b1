"""The mail sink of `make run`: a real SMTP server keeping each message as an .eml file."""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from coop_shared.devserver import service_env
from coop_shared.mail_sink import MailSink
from coop_shared.testing.servers import free_port


def test_each_message_is_kept_as_received_and_invalid_domains_are_refused(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail", port=free_port())
    sink.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "coop@example.be", "client@example.be", "Factuur"
        message.set_content("Hallo")
        message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="f.pdf")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
            smtp.send_message(message)
            smtp.send_message(message)
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.send_message(message, to_addrs=["someone@mistyped.invalid"])
        assert refused.value.recipients["someone@mistyped.invalid"][0] == 550
    finally:
        sink.stop()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2 and not list((tmp_path / "mail").glob("*.part"))
    kept = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert kept["Subject"] == "Factuur"
    [attachment] = kept.iter_attachments()
    assert attachment.get_payload(decode=True) == b"%PDF-1.4"


def test_services_are_pointed_at_the_sink_and_at_each_other(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail", port=1234)
    ports = {"members": 1, "invoicing": 2, "payroll": 3, "governance": 4, "notifications": 5, "gateway": 6}
    env = service_env("notifications", ports, "mongodb://m", "amqp://a", sink)
    assert (env["SMTP_HOST"], env["SMTP_PORT"], env["SMTP_TLS"]) == ("127.0.0.1", "1234", "none")
    assert env["INVOICING_URL"] == "http://127.0.0.1:2" and env["APP_BASE_URL"] == "http://127.0.0.1:6"
    assert env["DEV_MAIL_DIR"] == str(tmp_path / "mail")


def test_the_development_invoicing_service_hands_peppol_documents_to_its_own_local_access_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEPPOL_ACCESS_POINT_URL", raising=False)
    ports = {"members": 1, "invoicing": 2, "payroll": 3, "governance": 4, "notifications": 5, "gateway": 6}
    env = service_env("invoicing", ports, "mongodb://m", "amqp://a")
    assert env["PEPPOL_ACCESS_POINT_URL"] == "http://127.0.0.1:2/dev/peppol-access-point"
    assert "PEPPOL_ACCESS_POINT_URL" not in service_env("payroll", ports, "mongodb://m", "amqp://a")
    monkeypatch.setenv("PEPPOL_ACCESS_POINT_URL", "https://ap.example")
    assert service_env("invoicing", ports, "mongodb://m", "amqp://a")["PEPPOL_ACCESS_POINT_URL"] == "https://ap.example"
