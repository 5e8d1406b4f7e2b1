"""Sending documents to clients: each request is one sending, e-mailed once.

A sending is recorded (``queued``) with the ``invoicing.document.send_requested.v1``
event in the same transaction; the notifications service fetches the stored
files from the internal API, e-mails the client and reports back
(``notifications.sending.status_changed.v1``), which moves the sending to
``sent``, ``failed`` (another attempt follows) or ``parked``. A request
replayed with its Idempotency-Key makes no second sending; a new request after
a failure makes exactly one more.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.contracts.invoicing import DocumentFile, DocumentSendRequested
from coop_shared.contracts.notifications import SendingStatusChanged
from coop_shared.persistence.mongo import Document
from invoicing.adapters.document_store import StoredFile
from invoicing.adapters.repositories import SendingsRepository
from invoicing.domain.quote_links import new_token, token_hash
from invoicing.service_layer.context import Context

QUEUED = "queued"
# For news told at the same instant: a final status wins over a failed attempt.
_RANK = {QUEUED: 0, "failed": 1, "sent": 2, "parked": 2}
INTERNAL_FILES = "/internal/v1/files"


def file_refs(files: Sequence[StoredFile]) -> list[DocumentFile]:
    return [DocumentFile(filename=f.filename, content_type=f.content_type,
                         path=f"{INTERNAL_FILES}/{f.document_id}/{f.name}", sha256=f.sha256) for f in files]


@dataclass
class Sendings:
    ctx: Context

    def public_url(self, path: str) -> str:
        return self.ctx.settings.public_base_url.rstrip("/") + path

    def new_invoice_link(self) -> tuple[str, Document]:
        """A fresh client link for an invoice: the token (for the e-mail) and what is stored (its hash)."""
        token = new_token()
        expires = self.ctx.clock.now() + timedelta(days=self.ctx.settings.invoice_link_days)
        return token, {"token_hash": token_hash(token), "expires_at": expires}

    async def record(self, event: DocumentSendRequested, subject_id: str, requested_by: str,
                     session: AsyncClientSession) -> Document:
        """The sending and its event, inside the caller's transaction."""
        now = self.ctx.clock.now()
        sending = {"_id": event.sending_id, "subject_id": subject_id, "document_kind": event.document_kind,
                   "document_id": event.document_id, "to": event.client_email, "status": QUEUED, "attempts": 0,
                   "reported": None, "error": None, "requested_by": requested_by, "requested_at": now,
                   "updated_at": now}
        await self.ctx.sendings.insert(sending, session)
        await self.ctx.runtime.outbox.add([self.ctx.runtime.event(event, subject=subject_id)], session=session)
        return sending

    async def of_subject(self, subject_id: str) -> list[Document]:
        return await self.ctx.sendings.of_subject(subject_id)



async def apply_status(sendings: SendingsRepository, change: SendingStatusChanged,
                       session: AsyncClientSession | None = None) -> bool:
    """Record what notifications reported, unless newer news is already recorded
    (events may arrive out of order). News is ordered by when it happened, then by
    attempts and status (an operator's retry of a parked e-mail restarts its count)."""
    moment = change.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    progress = f"{moment}|{change.attempts:05d}|{_RANK[change.status]}"  # compares as it reads
    return await sendings.record_news(change.sending_id, progress, {
        "status": change.status, "attempts": change.attempts, "error": change.error, "updated_at": change.at},
        session)


def new_sending_id() -> str:
    return str(uuid.uuid4())
