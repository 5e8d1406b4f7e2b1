"""Real servers for the notifications tests: the platform's MongoDB-wire server
and RabbitMQ (``infrastructure``), an SMTP server (aiosmtpd) and an HTTP
receiver for webhooks, both on free local ports."""

from __future__ import annotations

import asyncio
import email
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import SigningKey, TokenVerifier, issue_access_token
from coop_shared.contracts.members import MemberRegistered
from coop_shared.contracts.payroll import PayslipIssued, SalaryPaid
from coop_shared.messaging.envelope import Envelope, EventPayload, new_event
from coop_shared.testing.fixtures import running
from coop_shared.testing.servers import free_port
from notifications.config import NotificationsSettings
from notifications.main import create_app

# ---------------------------------------------------------------- SMTP server


class SmtpRecorder:
    """aiosmtpd handler: keeps what it accepts; can answer with an error instead."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.attempts = 0
        self.refuse_with: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.refuse_with is not None:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@dataclass
class SmtpServer:
    port: int
    recorder: SmtpRecorder

    def to_subject(self, subject: str) -> list[EmailMessage]:
        return [m for m in self.recorder.messages if m["Subject"] == subject]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer(controller.port, recorder)
    finally:
        controller.stop()


# ---------------------------------------------------------------- webhook receiver


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    path: str = ""


@dataclass
class WebhookReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer in turn (the last one repeats); a negative value
    # means "hang that many tenths of a second, then answer 200".
    statuses: list[int] = field(default_factory=lambda: [200])


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            index = len(receiver.requests)
            receiver.requests.append(Received(time.time(), dict(self.headers.items()), body, self.path))
            status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
            if status < 0:
                time.sleep(-status / 10)
                status = 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/coop"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the service


@pytest.fixture(scope="session")
def partner_key() -> SigningKey:
    """Partners' tokens are signed by the gateway, with a key of its own."""
    return SigningKey.generate()


def _trust(app: FastAPI, people: SigningKey, partners: SigningKey) -> None:
    try:
        from coop_shared.auth.tokens import PARTNER_ROLES, KeySource
    except ImportError:  # a single issuer for every role
        app.state.token_verifier = TokenVerifier(jwks={"keys": [people.public_jwk(), partners.public_jwk()]})
        return
    app.state.token_verifier = TokenVerifier(
        jwks={"keys": [people.public_jwk()]},
        extra_sources=[KeySource("coop-gateway", PARTNER_ROLES, jwks={"keys": [partners.public_jwk()]})],
    )


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


# ---------------------------------------------------------------- events and waiting


def registered(member_id: str, *, language: str = "fr", email_address: str | None = None,
               name: str = "Ada Lovelace") -> Envelope:
    payload = MemberRegistered(member_id=member_id, email=email_address or f"{member_id}@example.be",
                               full_name=name, language=language)  # type: ignore[arg-type]
    return new_event(payload, source="members", subject=member_id)


def event(payload: EventPayload, subject: str | None = None) -> Envelope:
    return new_event(payload, source=payload.event_type.split(".")[0], subject=subject)


def salary_paid(member_id: str, net: str = "2150.40") -> SalaryPaid:
    return SalaryPaid(payslip_id=f"ps-{member_id}", member_id=member_id, activity_id="act-1", net=Decimal(net),
                      paid_on=date(2025, 3, 7), payment_batch_id="batch-1")


def payslip_issued(member_id: str) -> PayslipIssued:
    return PayslipIssued(payslip_id=f"ps-{member_id}", contract_id="c-1", member_id=member_id, activity_id="act-1",
                         gross=Decimal("3000.00"), net=Decimal("2150.40"), employer_cost=Decimal("3800.00"),
                         due_date=date(2025, 3, 7))


async def publish(app: FastAPI, envelope: Envelope) -> None:
    await app.state.runtime.publisher.publish(envelope)


async def wait_until(predicate: Callable[[], Awaitable[bool] | bool], timeout: float = 10.0,
                     what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------- the harness


@dataclass
class Harness:
    settings_for: Callable[..., Any]
    smtp: SmtpServer
    receiver: WebhookReceiver
    people_key: SigningKey
    partner_key: SigningKey

    def settings(self, **overrides: Any) -> NotificationsSettings:
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1", "smtp_port": self.smtp.port, "smtp_tls": "none",
            "smtp_timeout_seconds": 5.0, "mail_from": "Coop <no-reply@coop.test>",
            # Tiny delays so retries and parking take well under a second.
            "email_backoff_base_seconds": 0.05, "email_backoff_max_seconds": 0.5, "email_max_attempts": 3,
            "webhook_backoff_base_seconds": 0.1, "webhook_backoff_max_seconds": 2.0, "webhook_max_attempts": 4,
            "webhook_timeout_seconds": 2.0, "worker_poll_seconds": 0.05, "email_concurrency": 2,
            "webhook_concurrency": 2,
        }
        values.update(overrides)
        settings: NotificationsSettings = self.settings_for(NotificationsSettings, **values)
        return settings

    def app(self, **overrides: Any) -> FastAPI:
        app = create_app(self.settings(**overrides))
        _trust(app, self.people_key, self.partner_key)
        return app

    # Helpers, reachable from test modules through the fixture.
    started = staticmethod(started)
    registered = staticmethod(registered)
    event = staticmethod(event)
    salary_paid = staticmethod(salary_paid)
    payslip_issued = staticmethod(payslip_issued)
    publish = staticmethod(publish)
    wait_until = staticmethod(wait_until)

    def person(self, subject: str, role: Role = Role.MEMBER) -> dict[str, str]:
        token = issue_access_token(self.people_key, subject=subject, role=role)
        return {"Authorization": f"Bearer {token}"}

    def partner(self, subject: str, scopes: set[str], activities: list[str] | None = None) -> dict[str, str]:
        try:
            from coop_shared.auth.tokens import KeySource  # noqa: F401  (partner tokens come from the gateway)
            issuer = "coop-gateway"
        except ImportError:
            issuer = "coop-members"
        token = issue_access_token(self.partner_key, subject=subject, role=Role.PARTNER, scopes=frozenset(scopes),
                                   issuer=issuer, extra=None if activities is None else {"activities": activities})
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def harness(settings_for: Callable[..., Any], smtp_server: SmtpServer, webhook_receiver: WebhookReceiver,
            signing_key: SigningKey, partner_key: SigningKey) -> Harness:
    return Harness(settings_for, smtp_server, webhook_receiver, signing_key, partner_key)
