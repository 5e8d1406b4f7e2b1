"""Sending e-mail through an SMTP relay (aiosmtplib)."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

import aiosmtplib

from notifications.config import NotificationsSettings
from notifications.domain.attachments import Attachment


@dataclass(frozen=True)
class OutgoingEmail:
    delivery_id: str
    to_address: str
    to_name: str
    language: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    # Display name of the sender (a member's activity for documents to clients); the address stays MAIL_FROM.
    from_name: str | None = None


class SendFailed(Exception):
    """The relay did not take the message. ``permanent``: retrying cannot help
    (a 5xx answer: unknown mailbox, refused sender, bad credentials)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _one_line(value: str) -> str:
    # Header values come from data (names, rendered subjects): never let a line break through.
    return " ".join(value.split())


class SmtpSender:
    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "coop.localhost"

    def build(self, email: OutgoingEmail) -> EmailMessage:
        message = EmailMessage()
        sender_name, sender_address = parseaddr(self._settings.mail_from)
        name = _one_line(email.from_name) if email.from_name else sender_name
        message["From"] = formataddr((name, sender_address)) if name else self._settings.mail_from
        message["To"] = formataddr((_one_line(email.to_name), email.to_address))
        message["Subject"] = _one_line(email.subject)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # Stable per delivery: a message sent twice after a crash carries the same id.
        message["Message-ID"] = f"<{email.delivery_id}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        for attachment in email.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                                   filename=attachment.filename)
        # After the parts: setting content clears every Content-* header.
        message["Content-Language"] = email.language
        return message

    async def send(self, email: OutgoingEmail) -> None:
        try:
            Address(addr_spec=email.to_address)
            message = self.build(email)
        except (ValueError, IndexError) as exc:  # the header registry's own parse errors
            raise SendFailed(f"invalid message: {exc}", permanent=True) from exc
        settings = self._settings
        mode = settings.smtp_tls
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host, port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.get_secret_value() or None,
                use_tls=mode == "tls",
                start_tls=True if mode == "starttls" else (False if mode in ("tls", "none") else None),
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            permanent = all(r.code >= 500 for r in exc.recipients)
            raise SendFailed(f"recipient refused: {exc.recipients[0].message if exc.recipients else exc}",
                             permanent=permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
