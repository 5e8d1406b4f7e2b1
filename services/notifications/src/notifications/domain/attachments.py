"""Files attached to e-mails, built from the event itself.

An assembly convocation carries an iCalendar invitation (RFC 5545) for the
voting period, so members can put it in their calendar in one click.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from coop_shared.clock import wall_time


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _ics_time(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    # Lines longer than 75 octets continue on the next line after a space.
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def assembly_invitation(payload: Mapping[str, Any], *, domain: str = "coop.localhost") -> Attachment:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Coop//Notifications//EN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:assembly-{payload['assembly_id']}@{domain}",
        f"DTSTAMP:{_ics_time(payload.get('convened_at') or wall_time())}",
        f"DTSTART:{_ics_time(payload['opens_at'])}",
        f"DTEND:{_ics_time(payload['closes_at'])}",
        f"SUMMARY:{_ics_text(str(payload.get('title', '')))}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    body = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    return Attachment("assembly.ics", "text/calendar", body.encode())


BUILDERS = {"calendar": assembly_invitation}
