"""Peppol sending through the access-point HTTP API, against a local access
point served over real HTTP: once per document, retried while it is down,
never retried once refused, parked after the configured attempts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from coop_shared.clock import FakeClock
from coop_shared.jobs import Scheduler
from coop_shared.testing.fixtures import serving
from coop_shared.testing.servers import free_port
from invoicing.adapters.fake_access_point import FakeAccessPoint
from invoicing.adapters.indexes import PEPPOL_TRANSMISSIONS
from invoicing.service_layer.peppol import DOCUMENT_TYPES

from .conftest import PERSON, Platform, start_platform

JOB = "peppol-transmissions"
RECEIVER = "0208:0765432146"  # BE_COMPANY's enterprise number


@asynccontextmanager
async def platform_with(access_point_url: str, settings_for: Callable[..., Any], signing_key: Any,
                        token_for: Callable[..., dict[str, str]], **overrides: Any
                        ) -> AsyncIterator[tuple[Platform, Scheduler, FakeClock]]:
    async with start_platform(settings_for, signing_key, token_for, peppol_access_point_url=access_point_url,
                              peppol_access_point_token="ap-token", **overrides) as platform:
        scheduler = platform.runtime.scheduler
        assert scheduler is not None and JOB in scheduler.jobs
        clock = FakeClock(datetime.now(UTC) + timedelta(minutes=1))  # the job runs after the sendings
        scheduler.clock = clock
        yield platform, scheduler, clock


async def sent_invoice(platform: Platform,
                       client_body: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    _, activity, headers = await platform.member_with_activity()
    client = await platform.client(headers, activity, client_body)
    invoice = await platform.issued(headers, activity, client["id"])
    sent = await platform.http.post(f"/api/v1/invoices/{invoice['id']}/send", headers=headers)
    assert sent.status_code == 200, sent.text
    body: dict[str, Any] = sent.json()
    return body, headers


async def peppol_of(platform: Platform, invoice_id: str, headers: dict[str, str]) -> dict[str, Any] | None:
    shown = await platform.http.get(f"/api/v1/invoices/{invoice_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    peppol: dict[str, Any] | None = shown.json()["peppol"]
    return peppol


async def test_a_sent_invoice_reaches_the_access_point_once_though_it_was_down_twice(
        settings_for: Callable[..., Any], signing_key: Any, token_for: Callable[..., dict[str, str]]) -> None:
    access_point = FakeAccessPoint(fail_next=2, token="ap-token")
    async with serving(access_point.app(), free_port()) as url, \
            platform_with(url, settings_for, signing_key, token_for) as (platform, scheduler, clock):
        invoice, headers = await sent_invoice(platform)
        assert invoice["peppol"]["status"] == "queued" and invoice["peppol"]["receiver"] == RECEIVER

        assert (await scheduler.run_now(JOB)).result == {"accepted": 0, "rejected": 0, "retrying": 1, "parked": 0}
        waiting = await peppol_of(platform, invoice["id"], headers)
        assert waiting is not None and (waiting["status"], waiting["attempts"]) == ("retrying", 1)
        assert waiting["error"].startswith("503")
        await scheduler.run_now(JOB)  # not due yet: the retry waits its delay
        assert access_point.requests == 1

        clock.advance(seconds=31)
        await scheduler.run_now(JOB)
        clock.advance(seconds=61)
        assert (await scheduler.run_now(JOB)).result == {"accepted": 1, "rejected": 0, "retrying": 0, "parked": 0}
        accepted = await peppol_of(platform, invoice["id"], headers)
        assert accepted is not None and (accepted["status"], accepted["attempts"]) == ("accepted", 3)
        assert accepted["error"] is None and accepted["transmission_id"]

        [received] = access_point.received.values()
        ubl = await platform.http.get(f"/api/v1/invoices/{invoice['id']}/ubl", headers=headers)
        assert received.payload == ubl.content  # the stored UBL, byte for byte
        assert (received.sender, received.receiver) == ("0208:0123456749", RECEIVER)
        assert received.document_type == DOCUMENT_TYPES["invoice"]
        assert received.id == accepted["transmission_id"]

        # Sent again by e-mail: no second transmission.
        again = await platform.http.post(f"/api/v1/invoices/{invoice['id']}/send", headers=headers)
        assert again.status_code == 200 and len(again.json()["sendings"]) == 2
        await scheduler.run_now(JOB)
        assert access_point.requests == 3
        assert await platform.runtime.db[PEPPOL_TRANSMISSIONS].count_documents({}) == 1

        # The process died after the access point took it but before the answer was stored:
        # the retry carries the same message id, and the access point delivers it once.
        await platform.runtime.db[PEPPOL_TRANSMISSIONS].update_one(
            {"_id": invoice["id"]}, {"$set": {"status": "retrying", "next_attempt_at": clock.now()}})
        await scheduler.run_now(JOB)
        assert len(access_point.received) == 1
        replayed = await peppol_of(platform, invoice["id"], headers)
        assert replayed is not None and replayed["status"] == "accepted"
        assert replayed["transmission_id"] == accepted["transmission_id"]


async def test_a_refused_document_is_not_retried_and_a_client_without_peppol_id_gets_no_transmission(
        settings_for: Callable[..., Any], signing_key: Any, token_for: Callable[..., dict[str, str]]) -> None:
    access_point = FakeAccessPoint(refuse_receivers={RECEIVER})
    async with serving(access_point.app(), free_port()) as url, \
            platform_with(url, settings_for, signing_key, token_for) as (platform, scheduler, clock):
        invoice, headers = await sent_invoice(platform)
        await scheduler.run_now(JOB)
        refused = await peppol_of(platform, invoice["id"], headers)
        assert refused is not None and refused["status"] == "rejected"
        assert refused["error"].startswith("422") and RECEIVER in refused["error"]
        clock.advance(timedelta(hours=2))
        await scheduler.run_now(JOB)
        assert access_point.requests == 1

        private, _ = await sent_invoice(platform, PERSON)
        assert private["peppol"] is None
        await scheduler.run_now(JOB)
        assert access_point.requests == 1


async def test_an_access_point_that_never_answers_parks_the_transmission(
        settings_for: Callable[..., Any], signing_key: Any, token_for: Callable[..., dict[str, str]]) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with platform_with(nowhere, settings_for, signing_key, token_for,
                             peppol_max_attempts=2) as (platform, scheduler, clock):
        invoice, headers = await sent_invoice(platform)
        await scheduler.run_now(JOB)
        first = await peppol_of(platform, invoice["id"], headers)
        assert first is not None and first["status"] == "retrying" and "ConnectError" in first["error"]
        clock.advance(seconds=31)
        assert (await scheduler.run_now(JOB)).result == {"accepted": 0, "rejected": 0, "retrying": 0, "parked": 1}
        parked = await peppol_of(platform, invoice["id"], headers)
        assert parked is not None and (parked["status"], parked["attempts"]) == ("parked", 2)
        clock.advance(timedelta(days=1))
        assert (await scheduler.run_now(JOB)).result == {"accepted": 0, "rejected": 0, "retrying": 0, "parked": 0}
