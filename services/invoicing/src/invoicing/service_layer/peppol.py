"""Peppol sending: an issued invoice or credit note whose buyer has a Peppol id
is handed to the cooperative's access point, once, when it is sent.

``send`` records a transmission (``_id`` = the document's id, so one per
document whatever the number of sendings) in the same transaction as the
sending; the ``peppol-transmissions`` job hands due ones to the access point
with the transmission id as the message id, so a retry after a crash is
recognised by the access point and delivered once. A refusal (the document
or the receiver is wrong) stops there; an access point that is down is asked
again with a growing delay, then the transmission is parked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession

from coop_shared.persistence.mongo import Document
from invoicing.adapters.repositories import PeppolTransmissionsRepository

QUEUED, RETRYING, ACCEPTED, REJECTED, PARKED = "queued", "retrying", "accepted", "rejected", "parked"
DUE = (QUEUED, RETRYING)
# The Peppol BIS Billing 3.0 identifiers of the two documents the cooperative sends.
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
DOCUMENT_TYPES = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
               "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
                   "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
}


@dataclass(frozen=True)
class PeppolMessage:
    message_id: str
    sender: str  # "<scheme>:<identifier>", e.g. "0208:0123456749"
    receiver: str
    document_type: str
    process: str
    payload: bytes


@dataclass(frozen=True)
class Submission:
    transmission_id: str
    status: str


class AccessPointRejected(Exception):
    """The access point refused the message for good (invalid document, unknown receiver)."""


class AccessPointUnavailable(Exception):
    """The access point could not take the message now; ask again later."""


class AccessPoint(Protocol):
    async def submit(self, message: PeppolMessage) -> Submission: ...


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 1 hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def record_transmission(transmissions: PeppolTransmissionsRepository, doc: Document, receiver: str,
                              now: datetime, session: AsyncClientSession) -> None:
    """A transmission for this document unless one exists (inside the sending's transaction)."""
    await transmissions.insert_unless_exists(doc["_id"], {
        "document_kind": doc["kind"], "number": doc["number"], "receiver": receiver, "status": QUEUED,
        "attempts": 0, "next_attempt_at": now, "error": None, "transmission_id": None, "accepted_at": None,
        "created_at": now, "updated_at": now}, session)


@dataclass
class PeppolSender:
    transmissions: PeppolTransmissionsRepository
    access_point: AccessPoint
    sender_id: str
    max_attempts: int

    async def transmit_due(self, now: datetime, payload_of: Any, limit: int = 50) -> dict[str, int]:
        """Hand every due transmission to the access point; ``payload_of(document_id)`` gives the stored UBL."""
        counts = {ACCEPTED: 0, REJECTED: 0, RETRYING: 0, PARKED: 0}
        for transmission in await self.transmissions.due(DUE, now, limit):
            outcome = await self._transmit(transmission, now, await payload_of(transmission["_id"]))
            counts[outcome] += 1
        return counts

    async def _transmit(self, transmission: Document, now: datetime, payload: bytes) -> str:
        attempts = int(transmission["attempts"]) + 1
        message = PeppolMessage(message_id=transmission["_id"], sender=self.sender_id,
                                receiver=transmission["receiver"],
                                document_type=DOCUMENT_TYPES[transmission["document_kind"]], process=PROCESS,
                                payload=payload)
        update: Document = {"attempts": attempts, "updated_at": now}
        try:
            submission = await self.access_point.submit(message)
        except AccessPointRejected as exc:
            update.update(status=REJECTED, error=str(exc)[:500])
        except AccessPointUnavailable as exc:
            parked = attempts >= self.max_attempts
            update.update(status=PARKED if parked else RETRYING, error=str(exc)[:500],
                          next_attempt_at=now + retry_delay(attempts))
        else:
            update.update(status=ACCEPTED, error=None, transmission_id=submission.transmission_id, accepted_at=now)
        await self.transmissions.record_attempt(transmission["_id"], transmission["attempts"], update)
        return str(update["status"])
