"""A local access point speaking the same HTTP API (docs/peppol-access-point.md),
for tests and ``make run``: it keeps what it receives, answers a repeated
``Idempotency-Key`` with the first answer, and can be told to fail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from lxml import etree

# Where the development service serves it (`make run` sets PEPPOL_ACCESS_POINT_URL to it).
DEV_ACCESS_POINT_PATH = "/dev/peppol-access-point"


@dataclass
class Received:
    id: str
    sender: str
    receiver: str
    document_type: str
    payload: bytes


@dataclass
class FakeAccessPoint:
    received: dict[str, Received] = field(default_factory=dict)  # by Idempotency-Key
    requests: int = 0
    fail_next: int = 0  # answer 503 to this many requests
    refuse_receivers: set[str] = field(default_factory=set)
    token: str | None = None  # when set, the Bearer token every request must carry

    def router(self, prefix: str = "") -> APIRouter:
        router = APIRouter(prefix=prefix)

        @router.get("/v1/outbound-documents", include_in_schema=False)
        async def listed() -> JSONResponse:
            return JSONResponse({"items": [{"id": r.id, "sender": r.sender, "receiver": r.receiver,
                                            "document_type": r.document_type, "bytes": len(r.payload)}
                                           for r in self.received.values()]})

        @router.post("/v1/outbound-documents", include_in_schema=False)
        async def submit(request: Request, idempotency_key: str = Header(alias="Idempotency-Key"),
                         sender: str = Header(alias="Peppol-Sender"), receiver: str = Header(alias="Peppol-Receiver"),
                         document_type: str = Header(alias="Peppol-Document-Type"),
                         authorization: str | None = Header(default=None)) -> JSONResponse:
            self.requests += 1
            if self.token is not None and authorization != f"Bearer {self.token}":
                return JSONResponse({"error": "unknown token"}, status_code=401)
            if self.fail_next > 0:
                self.fail_next -= 1
                return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
            if idempotency_key in self.received:
                return JSONResponse({"id": self.received[idempotency_key].id, "status": "accepted"}, status_code=200)
            if receiver in self.refuse_receivers:
                return JSONResponse({"error": f"receiver {receiver} is not registered on Peppol"}, status_code=422)
            payload = await request.body()
            try:
                etree.fromstring(payload, etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError as exc:
                return JSONResponse({"error": f"not XML: {exc}"}, status_code=400)
            received = Received(str(uuid.uuid4()), sender, receiver, document_type, payload)
            self.received[idempotency_key] = received
            return JSONResponse({"id": received.id, "status": "accepted"}, status_code=202)

        return router

    def app(self) -> FastAPI:
        app = FastAPI(title="Local Peppol access point")
        app.include_router(self.router())
        return app
