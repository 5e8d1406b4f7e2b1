"""Partner webhooks against a real HTTP receiver on 127.0.0.1 (allowed by the
test-only WEBHOOK_ALLOW_PRIVATE_TARGETS), and the SSRF guard with the
default settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from coop_shared.auth.principal import Role
from coop_shared.contracts.invoicing import InvoiceIssued
from coop_shared.contracts.members import MemberRegistered
from coop_shared.messaging.envelope import new_event

PARTNER_SCOPES = {"webhooks:manage", "members:read"}


async def _register(client, headers, url: str, types=("members.member.registered.v1",), **extra):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/webhooks", headers={**headers, **extra},
                              json={"url": url, "event_types": list(types)})


async def _deliveries(client, headers, endpoint_id: str, **params):  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_delivery_is_signed_so_the_receiver_can_verify_it(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True)
    partner = harness.partner("partner-1", PARTNER_SCOPES)
    receiver = harness.receiver
    async with harness.started(app) as client:
        created = await _register(client, partner, receiver.url)
        assert created.status_code == 201, created.text
        endpoint = created.json()
        secret = endpoint["secret"]
        assert secret.startswith("whsec_") and endpoint["secret_hint"] == secret[-4:]
        # Shown once: never listed again, never stored in clear.
        listed = (await client.get("/api/v1/webhooks", headers=partner)).json()["items"]
        assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
        stored = await app.state.runtime.db.webhook_endpoints.find_one({"_id": endpoint["id"]})
        assert secret not in json.dumps(stored, default=str)

        envelope = harness.registered("m-hook", email_address="hook@example.be")
        await harness.publish(app, envelope)
        await harness.publish(app, envelope)  # redelivered: still one webhook delivery
        await harness.wait_until(lambda: len(receiver.requests) >= 1, what="the webhook")
        # The receiver answers before the sender records the answer: wait for the record.
        async def answered() -> bool:
            return [d["status"] for d in await _deliveries(client, partner, endpoint["id"])] != ["sending"]

        await harness.wait_until(answered, what="the delivery recorded")
        [delivery] = await _deliveries(client, partner, endpoint["id"])
        await harness.wait_until(lambda: _handled_twice(app, envelope.id), what="both copies handled")

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    # What a partner does: the Standard Webhooks library, with the secret and the request as received.
    verified = Webhook(secret).verify(request.body, request.headers)
    assert verified["id"] == envelope.id
    timestamp = int(request.headers["webhook-timestamp"])
    assert abs(time.time() - timestamp) < 60
    assert request.headers["webhook-id"] == delivery["id"]  # the delivery id is signed
    # The scheme, by hand: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{delivery['id']}.{timestamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{expected}"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body + b" ", request.headers)
    forged = {**request.headers, "webhook-id": "another-delivery"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, forged)
    assert request.headers["X-Coop-Event-Type"] == "members.member.registered.v1"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert body["id"] == envelope.id and body["type"] == envelope.type and body["data"]["member_id"] == "m-hook"
    assert body["data"]["email"] == "hook@example.be"  # the key may read members
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["attempt_log"][0]["status_code"] == 200


async def _handled_twice(app, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    db = app.state.runtime.db
    return await db.webhook_deliveries.count_documents({"event_id": event_id}) == 1


async def test_a_failing_endpoint_is_retried_with_backoff_then_dead_lettered(harness) -> None:
    receiver = harness.receiver
    receiver.statuses = [-5, 500]  # first: hangs past the timeout; then server errors
    app = harness.app(webhook_allow_private_targets=True, webhook_timeout_seconds=0.2, webhook_max_attempts=4,
                      webhook_backoff_base_seconds=0.2, webhook_backoff_factor=2.0)
    partner = harness.partner("partner-2", PARTNER_SCOPES)
    async with harness.started(app) as client:
        endpoint = (await _register(client, partner, receiver.url)).json()
        await harness.publish(app, harness.registered("m-fail"))

        async def dead() -> bool:
            items = await _deliveries(client, partner, endpoint["id"], status="dead_lettered")
            return len(items) == 1

        await harness.wait_until(dead, timeout=15, what="the dead-lettered delivery")
        [delivery] = await _deliveries(client, partner, endpoint["id"])
        pending = await _deliveries(client, partner, endpoint["id"], status="pending")

    assert pending == []
    assert delivery["status"] == "dead_lettered" and delivery["attempts"] == 4
    log = delivery["attempt_log"]
    assert len(log) == 4 and len(receiver.requests) == 4
    assert log[0]["status_code"] is None and "Timeout" in log[0]["error"]
    assert [a["status_code"] for a in log[1:]] == [500, 500, 500]
    assert all(a["next_attempt_at"] for a in log[:3]) and log[3].get("next_attempt_at") is None
    # Waits grow exponentially (0.2 s, 0.4 s, 0.8 s, ±10 % jitter), and each retry waited its turn.
    waits = [(datetime.fromisoformat(a["next_attempt_at"]) - datetime.fromisoformat(a["at"])).total_seconds()
             for a in log[:3]]
    for wait, planned in zip(waits, (0.2, 0.4, 0.8), strict=True):
        assert planned * 0.89 <= wait <= planned * 1.11, waits
    for attempt, request in zip(log[:3], receiver.requests[1:], strict=True):
        assert request.at >= datetime.fromisoformat(attempt["next_attempt_at"]).timestamp() - 0.01

SSRF_URLS = [
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://2130706433/hook",  # 127.0.0.1 written as a number: caught once resolved
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.10/hook",
    "https://[fd12:3456::1]/hook",
    "https://169.254.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://[::ffff:127.0.0.1]/hook",
    "https://0.0.0.0/hook",
    "http://hooks.partner.example/coop",  # plain http
    "https://user:pass@hooks.partner.example/coop",
    "ftp://hooks.partner.example/coop",
]


async def test_registration_refuses_internal_targets_naming_the_url_field(harness) -> None:
    app = harness.app()  # default settings: no private targets
    partner = harness.partner("partner-3", PARTNER_SCOPES)
    async with harness.started(app) as client:
        for url in SSRF_URLS:
            response = await _register(client, partner, url)
            assert response.status_code == 422, (url, response.text)
            error = response.json()["error"]
            assert error["field"] == "url", (url, error)
            assert error["code"] in {"url_not_allowed", "invalid_url", "url_unresolvable"}, (url, error)
        assert (await client.get("/api/v1/webhooks", headers=partner)).json()["items"] == []
        # Even the test-only setting never opens the metadata endpoints.
    lenient = harness.app(webhook_allow_private_targets=True)
    async with harness.started(lenient) as client:
        for url in ("https://169.254.169.254/latest/", "https://[fd00:ec2::254]/", "http://metadata.google.internal/"):
            response = await _register(client, partner, url)
            assert response.status_code == 422 and response.json()["error"]["field"] == "url", url


async def test_who_may_manage_webhooks(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True)
    url = harness.receiver.url
    partner = harness.partner("partner-4", PARTNER_SCOPES)
    async with harness.started(app) as client:
        member = await _register(client, harness.person("m-1"), url)
        assert member.status_code == 403
        no_scope = await _register(client, harness.partner("partner-5", {"members:read"}), url)
        assert no_scope.status_code == 403 and no_scope.json()["error"]["code"] == "insufficient_scope"
        # Receiving payroll events needs payroll:read; governance events are offered to no partner.
        payroll = await _register(client, partner, url, types=("payroll.salary.paid.v1",))
        assert payroll.status_code == 403 and payroll.json()["error"]["field"] == "event_types.0"
        governance = await _register(client, partner, url, types=("governance.assembly.convened.v1",))
        assert governance.status_code == 422 and governance.json()["error"]["code"] == "unknown_event_type"
        unknown = await _register(client, partner, url, types=("members.member.registered.v1", "nope.v1"))
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "event_types.1"
        empty = await client.post("/api/v1/webhooks", headers=partner, json={"url": url, "event_types": []})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "event_types"

        mine = (await _register(client, partner, url)).json()
        duplicate = await _register(client, partner, url)
        assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "url"
        other = harness.partner("partner-6", PARTNER_SCOPES)
        assert (await client.get(f"/api/v1/webhooks/{mine['id']}/deliveries", headers=other)).status_code == 404
        assert (await client.delete(f"/api/v1/webhooks/{mine['id']}", headers=other)).status_code == 404
        assert (await client.get("/api/v1/webhooks", headers=other)).json()["items"] == []
        admin = harness.person("admin-1", Role.ADMIN)
        assert [e["id"] for e in (await client.get("/api/v1/webhooks", headers=admin)).json()["items"]] == [mine["id"]]

        assert (await client.delete(f"/api/v1/webhooks/{mine['id']}", headers=partner)).status_code == 204
        assert (await client.delete(f"/api/v1/webhooks/{mine['id']}", headers=partner)).status_code == 404
        assert (await client.get("/api/v1/webhooks", headers=partner)).json()["items"] == []
        # Deleted, the URL may be registered again.
        assert (await _register(client, partner, url)).status_code == 201


async def test_a_retried_registration_returns_the_first_endpoint_without_its_secret(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True)
    partner = harness.partner("partner-7", PARTNER_SCOPES)
    url = harness.receiver.url
    async with harness.started(app) as client:
        key = {"Idempotency-Key": "register-1"}
        first = await _register(client, partner, url, **key)
        replay = await _register(client, partner, url, **key)
        assert first.status_code == 201 and replay.status_code == 200
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["id"] == first.json()["id"] and replay.json()["secret"] is None
        changed = await _register(client, partner, url + "/other", **key)
        assert changed.status_code == 422 and changed.json()["error"]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("environment", ["production"])
def test_the_test_only_setting_is_refused_in_production(harness, environment: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        harness.settings(environment=environment, webhook_allow_private_targets=True,
                         webhook_signing_key="k" * 40, service_token_secret="s" * 40)
    with pytest.raises(ValueError, match="WEBHOOK_SIGNING_KEY"):
        harness.settings(environment=environment, service_token_secret="s" * 40)
    with pytest.raises(ValueError, match="SERVICE_TOKEN_SECRET"):
        harness.settings(environment=environment, webhook_signing_key="k" * 40)


async def test_rotation_test_event_redeliver_and_patch(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True, webhook_secret_overlap_seconds=3600)
    partner = harness.partner("partner-8", {"webhooks:manage", "payroll:read"})
    receiver = harness.receiver
    async with harness.started(app) as client:
        endpoint = (await _register(client, partner, receiver.url, types=("payroll.salary.paid.v1",))).json()
        old_secret = endpoint["secret"]
        base = f"/api/v1/webhooks/{endpoint['id']}"

        # A test event, on demand, signed like any other.
        tested = await client.post(f"{base}/test", headers=partner)
        assert tested.status_code == 202, tested.text
        await harness.wait_until(lambda: len(receiver.requests) == 1, what="the test event")
        first = receiver.requests[0]
        assert Webhook(old_secret).verify(first.body, first.headers)["type"] == "notifications.webhook.test.v1"
        assert first.headers["webhook-id"] == tested.json()["id"]

        # Rotation: for the overlap, both secrets verify the same delivery.
        rotated = await client.post(f"{base}/rotate-secret", headers=partner, json={"overlap_seconds": 600})
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != old_secret and rotated.json()["previous_secret_valid_until"]
        await harness.publish(app, harness.event(harness.salary_paid("m-rot"), subject="m-rot"))
        await harness.wait_until(lambda: len(receiver.requests) == 2, what="the salary event")
        second = receiver.requests[1]
        assert len(second.headers["webhook-signature"].split(" ")) == 2
        for secret in (old_secret, new_secret):
            assert Webhook(secret).verify(second.body, second.headers)["data"]["member_id"] == "m-rot"
        # Without members:read the partner gets no personal data (the salary paid event carries none
        # here; the IBAN and names are removed when present).
        assert "iban" not in json.loads(second.body)["data"]

        # Redeliver: the same delivery (same webhook-id and body) goes again.
        salary = next(d for d in await _deliveries(client, partner, endpoint["id"])
                      if d["event_type"] == "payroll.salary.paid.v1")
        again = await client.post(f"{base}/deliveries/{salary['id']}/redeliver", headers=partner)
        assert again.status_code == 202 and again.json()["status"] == "pending"
        await harness.wait_until(lambda: len(receiver.requests) == 3, what="the redelivery")
        third = receiver.requests[2]
        assert third.headers["webhook-id"] == second.headers["webhook-id"] and third.body == second.body
        Webhook(new_secret).verify(third.body, third.headers)
        missing = await client.post(f"{base}/deliveries/nope/redeliver", headers=partner)
        assert missing.status_code == 404

        # An overlap of zero: only the newest secret signs from now on.
        latest = (await client.post(f"{base}/rotate-secret", headers=partner, json={"overlap_seconds": 0})).json()
        assert latest["previous_secret_valid_until"] is None

        # PATCH: event types, URL and enabled.
        patched = await client.patch(base, headers=partner, json={"enabled": False})
        assert patched.status_code == 200 and patched.json()["enabled"] is False
        await harness.publish(app, harness.event(harness.salary_paid("m-off"), subject="m-off"))
        refused = await client.post(f"{base}/test", headers=partner)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "endpoint_disabled"
        bad_type = await client.patch(base, headers=partner, json={"event_types": ["members.member.registered.v1"]})
        assert bad_type.status_code == 403 and bad_type.json()["error"]["field"] == "event_types.0"
        bad_url = await client.patch(base, headers=partner, json={"url": "https://169.254.169.254/"})
        assert bad_url.status_code == 422 and bad_url.json()["error"]["field"] == "url"
        unknown_field = await client.patch(base, headers=partner, json={"secret": "x"})
        assert unknown_field.status_code == 422
        moved = await client.patch(base, headers=partner, json={
            "url": receiver.url + "/v2", "event_types": ["payroll.salary.paid.v1", "payroll.payslip.issued.v1"],
            "enabled": True})
        assert moved.status_code == 200, moved.text
        assert moved.json()["url"] == receiver.url + "/v2" and moved.json()["enabled"] is True
        assert moved.json()["event_types"] == ["payroll.payslip.issued.v1", "payroll.salary.paid.v1"]
        await harness.publish(app, harness.event(harness.payslip_issued("m-on"), subject="m-on"))
        await harness.wait_until(lambda: len(receiver.requests) == 4, what="the payslip event")
        fourth = receiver.requests[3]
        assert fourth.headers["webhook-signature"].count("v1,") == 1
        assert Webhook(latest["secret"]).verify(fourth.body, fourth.headers)["type"] == "payroll.payslip.issued.v1"
        for retired in (old_secret, new_secret):
            with pytest.raises(WebhookVerificationError):
                Webhook(retired).verify(fourth.body, fourth.headers)
        # Nothing was queued while the endpoint was disabled.
        types = [d["event_type"] for d in await _deliveries(client, partner, endpoint["id"])]
        assert types.count("payroll.salary.paid.v1") == 1
        offered = (await client.get("/api/v1/webhooks/event-types", headers=partner)).json()
        assert len(offered) >= 39 and {"event_type": "payroll.payslip.issued.v1", "scope": "payroll:read"} in offered


async def test_member_data_is_minimised_to_the_key_scopes(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True)
    receiver = harness.receiver
    reader = harness.partner("partner-9", {"webhooks:manage", "members:read"})
    payroll = harness.partner("partner-10", {"webhooks:manage", "members:read", "payroll:read"})
    async with harness.started(app) as client:
        contacts_only = (await _register(client, reader, receiver.url)).json()
        with_bank = (await _register(client, payroll, receiver.url + "/payroll")).json()
        envelope = new_event(MemberRegistered(member_id="m-min", email="private@example.be", full_name="Ada",
                                              iban="BE68539007547034"), source="members", subject="m-min")
        await harness.publish(app, envelope)
        await harness.wait_until(lambda: len(receiver.requests) == 2, what="both deliveries")
        by_id = {r.headers["webhook-id"]: r for r in receiver.requests}
        deliveries = {}
        for endpoint in (contacts_only, with_bank):
            [delivery] = await _deliveries(client, reader if endpoint is contacts_only else payroll, endpoint["id"])
            request = by_id[delivery["id"]]
            deliveries[endpoint["id"]] = Webhook(endpoint["secret"]).verify(request.body, request.headers)["data"]
    assert deliveries[contacts_only["id"]]["email"] == "private@example.be"
    assert "iban" not in deliveries[contacts_only["id"]]
    assert deliveries[with_bank["id"]]["iban"] == "BE68539007547034"


async def test_a_key_bound_to_activities_hears_only_about_them(harness) -> None:
    app = harness.app(webhook_allow_private_targets=True)
    receiver = harness.receiver
    types = ("invoicing.invoice.issued.v1", "members.member.registered.v1")
    bound = harness.partner("partner-shop", {"webhooks:manage", "invoices:read", "members:read"}, ["a-shop"])
    books = harness.partner("partner-books", {"webhooks:manage", "invoices:read", "members:read"})

    def issued(invoice_id: str, activity_id: str):  # type: ignore[no-untyped-def]
        return new_event(InvoiceIssued(
            invoice_id=invoice_id, number="2026-000001", activity_id=activity_id, member_id="m-1", client_id="c-1",
            client_name="Client", issue_date=date(2026, 3, 2), due_date=date(2026, 4, 1),
            total_excl_vat=Decimal("100.00"), total_vat=Decimal("21.00"), total_incl_vat=Decimal("121.00"),
            contribution_rate=Decimal("0.065"), contribution=Decimal("6.50"), activity_share=Decimal("93.50")),
            source="invoicing", subject=invoice_id)

    async with harness.started(app) as client:
        shop = await _register(client, bound, receiver.url + "/shop", types)
        assert shop.status_code == 201, shop.text
        assert shop.json()["activities"] == ["a-shop"]
        everything = (await _register(client, books, receiver.url + "/books", types)).json()
        assert everything["activities"] is None
        for envelope in (issued("i-shop", "a-shop"), issued("i-other", "a-other"),
                         new_event(MemberRegistered(member_id="m-b", email="b@example.be", full_name="B"),
                                   source="members", subject="m-b")):
            await harness.publish(app, envelope)
        await harness.wait_until(lambda: len(receiver.requests) == 4, what="four deliveries")
        assert len(await _deliveries(client, bound, shop.json()["id"])) == 1  # nothing planned for the others
    by_path: dict[str, list[str]] = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(json.loads(request.body)["subject"])
    assert by_path["/hooks/coop/shop"] == ["i-shop"]
    assert sorted(by_path["/hooks/coop/books"]) == ["i-other", "i-shop", "m-b"]
