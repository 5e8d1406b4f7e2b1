"""The access-point HTTP API (docs/peppol-access-point.md): one ``POST`` per
message, the message id as ``Idempotency-Key`` so that a retry is delivered once."""

from __future__ import annotations

import httpx

from invoicing.service_layer.peppol import (
    AccessPointRejected,
    AccessPointUnavailable,
    PeppolMessage,
    Submission,
)

# Answers that mean "not now" rather than "never" (a refused token is the cooperative's
# configuration to fix, not the document's fault).
_RETRYABLE = {401, 403, 408, 409, 425, 429}


class HttpAccessPoint:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._transport = transport

    async def submit(self, message: PeppolMessage) -> Submission:
        headers = {"Content-Type": "application/xml", "Idempotency-Key": message.message_id,
                   "Peppol-Sender": message.sender, "Peppol-Receiver": message.receiver,
                   "Peppol-Document-Type": message.document_type, "Peppol-Process": message.process}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
                response = await client.post(f"{self._base}/v1/outbound-documents", content=message.payload,
                                             headers=headers)
        except httpx.HTTPError as exc:
            raise AccessPointUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in (200, 201, 202):
            try:
                body = response.json()
                return Submission(transmission_id=str(body["id"]), status=str(body.get("status", "accepted")))
            except (ValueError, KeyError, TypeError) as exc:
                raise AccessPointUnavailable(f"unreadable answer: {response.text[:200]}") from exc
        reason = f"{response.status_code}: {response.text[:300]}"
        if response.status_code >= 500 or response.status_code in _RETRYABLE:
            raise AccessPointUnavailable(reason)
        raise AccessPointRejected(reason)
