"""The development mail sink of ``make run``: an SMTP server (aiosmtpd) that
delivers nothing and keeps every message it receives as one ``.eml`` file
(RFC 5322, the bytes as received) in a directory, for the gateway's
``/dev/mail`` page to list.

Like a real relay it refuses recipients in the reserved ``.invalid`` domain
(RFC 6761: such names never exist), so a mistyped address is seen failing.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from coop_shared.clock import wall_time


class _Keeper:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.rstrip(">").lower().endswith(".invalid"):
            return "550 5.1.2 No such domain (reserved .invalid)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = wall_time().strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        content = envelope.original_content or envelope.content
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content if isinstance(content, bytes) else content.encode())
        temporary.replace(path)  # the page never lists half a message
        return "250 Message kept"


class MailSink:
    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.host = host
        self.port = port
        self._controller = Controller(_Keeper(directory), hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
