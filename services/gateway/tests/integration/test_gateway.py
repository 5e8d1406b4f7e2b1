"""The gateway in front of real services (uvicorn on free ports, real MongoDB and RabbitMQ)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from coop_shared.auth.principal import Role
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from governance.config import GovernanceSettings
from governance.main import create_app as create_governance
from invoicing.config import InvoicingSettings
from invoicing.main import create_app as create_invoicing
from members.config import MembersSettings
from members.main import create_app as create_members
from notifications.config import NotificationsSettings
from notifications.main import create_app as create_notifications
from payroll.config import PayrollSettings
from payroll.main import create_app as create_payroll

FACTORIES: dict[str, tuple[Callable[..., Any], type[Any]]] = {
    "members": (create_members, MembersSettings),
    "invoicing": (create_invoicing, InvoicingSettings),
    "payroll": (create_payroll, PayrollSettings),
    "governance": (create_governance, GovernanceSettings),
    "notifications": (create_notifications, NotificationsSettings),
}


class Stack:
    def __init__(self, gateway: httpx.AsyncClient, upstreams: dict[str, str], ports: dict[str, int],
                 settings: dict[str, Any], apps: dict[str, Any]) -> None:
        self.gateway = gateway
        self.upstreams = upstreams
        self.ports = ports
        self.settings = settings
        self.apps = apps


@pytest.fixture
async def stack(settings_for: Callable[..., Any], signing_key: SigningKey) -> AsyncIterator[Stack]:
    ports = {name: free_port() for name in FACTORIES}
    async with AsyncExitStack() as exits:
        upstreams, all_settings, apps = {}, {}, {}
        for name, (factory, settings_cls) in FACTORIES.items():
            settings = settings_for(settings_cls)
            app = trust_test_key(factory(settings), signing_key)
            upstreams[name] = await exits.enter_async_context(serving(app, ports[name]))
            all_settings[name] = settings
            apps[name] = app
        gateway_settings = settings_for(
            GatewaySettings, **{f"{n}_url": u for n, u in upstreams.items()},
            rate_limit_per_principal_per_minute=1000, rate_limit_per_ip_per_minute=1000,
            upstream_timeout_seconds=2.0, upstream_connect_timeout_seconds=0.5, max_body_bytes=10_000,
        )
        gateway_app = trust_test_key(create_gateway(gateway_settings), signing_key)
        client = await exits.enter_async_context(running(gateway_app))
        # Services trust the gateway's partner tokens (in production via its JWKS URL).
        partner_key = gateway_app.state.context.partner_tokens.key
        for app in apps.values():
            app.state.token_verifier.trust(KeySource("coop-gateway", PARTNER_ROLES,
                                                     jwks={"keys": [partner_key.public_jwk()]}))
        yield Stack(client, upstreams, ports, all_settings, apps)


SAMPLES = [
    ("members", "GET", "/api/v1/members/does-not-exist"),
    ("invoicing", "GET", "/api/v1/invoices"),
    ("payroll", "GET", "/api/v1/payslips"),
    ("governance", "GET", "/api/v1/assemblies"),
    ("notifications", "GET", "/api/v1/inbox"),
]


async def test_gateway_and_direct_answers_are_identical(stack: Stack, token_for: Callable[..., Any]) -> None:
    headers = {**token_for("member-1"), "X-Request-ID": "same-request"}
    async with httpx.AsyncClient(timeout=5) as direct:
        for service, method, path in SAMPLES:
            via = await stack.gateway.request(method, path, headers=headers)
            straight = await direct.request(method, stack.upstreams[service] + path, headers=headers)
            assert via.status_code == straight.status_code, (service, via.text, straight.text)
            assert via.content == straight.content, service
            assert via.headers["content-type"] == straight.headers["content-type"]
            assert via.headers["X-Request-ID"] == "same-request"


async def test_admins_see_every_services_scheduled_jobs_in_one_list(
        stack: Stack, token_for: Callable[..., Any], signing_key: SigningKey) -> None:
    members = stack.apps["members"].state  # verifies with its own key only: let it trust the test key too
    members.token_verifier.trust(KeySource("coop-members", frozenset(Role), jwks={"keys": [
        members.context.signing_key.public_jwk(), signing_key.public_jwk()]}))
    admin = token_for("admin-1", "admin")
    response = await stack.gateway.get("/api/v1/admin/jobs", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unavailable"] == []
    names = {(j["service"], j["name"]) for j in body["items"]}
    assert {("governance", "voting-deadlines"), ("invoicing", "reminders"), ("invoicing", "quote-expiry"),
            ("payroll", "salary-guarantee"), ("payroll", "payroll-month-end")} <= names
    assert {s for s, n in names if n == "outbox-cleanup"} == {"gateway", *FACTORIES}
    assert all("schedule" in j and "next_run_at" in j and "last_outcome" in j for j in body["items"])
    one = await stack.gateway.get("/api/v1/admin/jobs/payroll", headers=admin)  # one service, via the allow-list
    assert one.status_code == 200 and {j["service"] for j in one.json()["items"]} == {"payroll"}
    for path in ("/api/v1/admin/jobs", "/api/v1/admin/jobs/payroll"):
        assert (await stack.gateway.get(path, headers=token_for("member-1"))).status_code == 403


async def test_bad_tokens_are_401_at_the_gateway(stack: Stack, token_for: Callable[..., Any]) -> None:
    good = token_for("member-1")["Authorization"]
    header, payload, signature = good.removeprefix("Bearer ").split(".")
    expired = token_for("member-1", ttl_seconds=-120)["Authorization"]
    alg_none = "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    tampered = f"Bearer {header}.{payload[:-4]}AAAA.{signature}"
    for bad in (None, "Bearer", "Bearer not.a.token", expired, alg_none, tampered):
        headers = {"Authorization": bad} if bad else {}
        response = await stack.gateway.get("/api/v1/assemblies", headers=headers)
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] in {"unauthenticated", "invalid_token"}


async def test_partner_keys_scopes_and_revocation(stack: Stack, token_for: Callable[..., Any]) -> None:
    admin = token_for("admin-1", role="admin")
    created = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin,
                                       json={"name": "Accounting", "scopes": ["invoices:read"]})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    listed = await stack.gateway.get("/api/v1/admin/api-keys", headers=admin)
    assert "key" not in listed.json()["items"][0] and key not in listed.text  # shown once only

    # Within scope: passes the gateway (the service then answers for itself).
    allowed = await stack.gateway.get("/api/v1/invoices", headers={"Authorization": f"ApiKey {key}"})
    assert allowed.status_code not in (401, 403)
    also = await stack.gateway.get("/api/v1/invoices", headers={"X-API-Key": key})
    assert also.status_code == allowed.status_code
    # Outside its scopes: 403.
    refused = await stack.gateway.get("/api/v1/payslips", headers={"X-API-Key": key})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    # Members cannot issue keys.
    member = await stack.gateway.post("/api/v1/admin/api-keys", headers=token_for("m-2"),
                                      json={"name": "x", "scopes": ["invoices:read"]})
    assert member.status_code == 403
    # Revoked: 401.
    revoked = await stack.gateway.delete(f"/api/v1/admin/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    after = await stack.gateway.get("/api/v1/invoices", headers={"X-API-Key": key})
    assert after.status_code == 401
    unknown = await stack.gateway.get("/api/v1/invoices", headers={"X-API-Key": "coop_00000000_nope"})
    assert unknown.status_code == 401


async def test_a_key_expires_records_its_last_use_and_every_request_it_made(stack: Stack,
                                                                           token_for: Callable[..., Any]) -> None:
    admin = token_for("admin-1", role="admin")
    past = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin, json={
        "name": "Old sync", "scopes": ["invoices:read"], "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422 and past.json()["error"]["field"] == "expires_at"
    soon = datetime.now(UTC) + timedelta(seconds=3)
    created = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin, json={
        "name": "Short sync", "scopes": ["invoices:read"], "expires_at": soon.isoformat()})
    assert created.status_code == 201, created.text
    key, key_id = created.json()["key"], created.json()["id"]
    assert created.json()["last_used_at"] is None

    used = await stack.gateway.get("/api/v1/invoices?limit=5", headers={"X-API-Key": key})
    assert used.status_code == 200, used.text
    refused = await stack.gateway.get("/api/v1/payslips", headers={"X-API-Key": key})
    assert refused.status_code == 403  # never reached a service, yet what the key tried is on record
    audit = await stack.gateway.get(f"/api/v1/admin/api-keys/{key_id}/audit", headers=admin)
    assert audit.status_code == 200, audit.text
    tried, entry = audit.json()["items"]
    assert (tried["method"], tried["path"], tried["status"]) == ("GET", "/api/v1/payslips", 403)
    assert tried["request_id"] == refused.headers["x-request-id"]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/invoices", 200)
    assert entry["request_id"] == used.headers["x-request-id"]
    listed = {k["id"]: k for k in (await stack.gateway.get("/api/v1/admin/api-keys", headers=admin)).json()["items"]}
    assert listed[key_id]["last_used_at"] is not None
    assert abs(datetime.fromisoformat(listed[key_id]["expires_at"]) - soon) < timedelta(milliseconds=1)  # stored in ms

    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    expired = await stack.gateway.get("/api/v1/invoices", headers={"X-API-Key": key})
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "api_key_expired"
    # An expired key is no longer the partner's: its attempts are not written to the key's trail.
    assert len((await stack.gateway.get(f"/api/v1/admin/api-keys/{key_id}/audit", headers=admin)).json()["items"]) == 2
    missing = await stack.gateway.get("/api/v1/admin/api-keys/no-such-key/audit", headers=admin)
    assert missing.status_code == 404
    member = await stack.gateway.get(f"/api/v1/admin/api-keys/{key_id}/audit", headers=token_for("m-4"))
    assert member.status_code == 403


async def test_the_scopes_a_key_can_get_are_listed_for_admins(stack: Stack, token_for: Callable[..., Any]) -> None:
    listed = await stack.gateway.get("/api/v1/admin/api-keys/scopes", headers=token_for("a", role="admin"))
    assert listed.status_code == 200, listed.text
    scopes = {s["name"]: s for s in listed.json()["items"]}
    assert {"invoices:read", "payments:write", "webhooks:manage"} <= set(scopes)
    assert "/api/v1/invoices" in scopes["invoices:read"]["paths"] and "POST" not in scopes["invoices:read"]["methods"]
    assert "POST" in scopes["payments:write"]["methods"]
    member = await stack.gateway.get("/api/v1/admin/api-keys/scopes", headers=token_for("m-3"))
    assert member.status_code == 403


async def test_a_write_key_is_bound_to_named_activities(stack: Stack, token_for: Callable[..., Any]) -> None:
    admin = token_for("a", role="admin")
    unbound = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin,
                                       json={"name": "Shop", "scopes": ["invoices:write"]})
    assert unbound.status_code == 422 and unbound.json()["error"]["field"] == "activity_ids"
    empty = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin,
                                     json={"name": "Shop", "scopes": ["invoices:write"], "activity_ids": []})
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "activity_ids"
    bound = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin, json={
        "name": "Shop", "scopes": ["invoices:write"], "activity_ids": ["a-2", "a-1", "a-2"]})
    assert bound.status_code == 201, bound.text
    assert bound.json()["activity_ids"] == ["a-1", "a-2"]
    reader = await stack.gateway.post("/api/v1/admin/api-keys", headers=admin,
                                      json={"name": "Books", "scopes": ["invoices:read"]})
    assert reader.status_code == 201 and reader.json()["activity_ids"] is None  # a read key may see every activity
    listed = {k["id"]: k for k in (await stack.gateway.get("/api/v1/admin/api-keys", headers=admin)).json()["items"]}
    assert listed[bound.json()["id"]]["activity_ids"] == ["a-1", "a-2"]


async def test_unknown_scope_is_a_422_naming_the_field(stack: Stack, token_for: Callable[..., Any]) -> None:
    response = await stack.gateway.post("/api/v1/admin/api-keys", headers=token_for("a", role="admin"),
                                        json={"name": "x", "scopes": ["everything"]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "scopes"


async def test_a_stopped_service_is_503_then_recovers(settings_for: Callable[..., Any], signing_key: SigningKey,
                                                     token_for: Callable[..., Any]) -> None:
    port = free_port()
    governance_settings = settings_for(GovernanceSettings)
    gateway_settings = settings_for(GatewaySettings, governance_url=f"http://127.0.0.1:{port}",
                                    upstream_timeout_seconds=2.0, upstream_connect_timeout_seconds=0.5)
    headers = {**token_for("member-1"), "X-Request-ID": "recovery"}
    async with running(trust_test_key(create_gateway(gateway_settings), signing_key)) as gateway:
        async with serving(trust_test_key(create_governance(governance_settings), signing_key), port):
            first = await gateway.get("/api/v1/assemblies", headers=headers)
            assert first.status_code not in (502, 503, 504)
        # The service is stopped: a clean JSON 503, quickly, never a hang.
        started = time.monotonic()
        down = await gateway.get("/api/v1/assemblies", headers=headers)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "service_unavailable"
        assert down.headers["Retry-After"]
        assert time.monotonic() - started < 2.5
        # Started again: the same gateway reaches it.
        async with serving(trust_test_key(create_governance(governance_settings), signing_key), port):
            again = await gateway.get("/api/v1/assemblies", headers=headers)
            assert again.status_code == first.status_code
            assert again.content == first.content


async def test_rate_limit_gives_429_with_retry_after(settings_for: Callable[..., Any], signing_key: SigningKey,
                                                     token_for: Callable[..., Any]) -> None:
    settings = settings_for(GatewaySettings, rate_limit_per_principal_per_minute=5,
                            members_url=f"http://127.0.0.1:{free_port()}")
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        headers = token_for("member-9")
        statuses = [(await gateway.get("/api/v1/members/x", headers=headers)).status_code for _ in range(6)]
        assert statuses[:5] == [503] * 5  # passed the limiter (nothing listens upstream)
        limited = await gateway.get("/api/v1/members/x", headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert statuses[5] == 429


async def test_login_is_limited_more_strictly(settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    settings = settings_for(GatewaySettings, rate_limit_sensitive_per_ip_per_minute=3,
                            members_url=f"http://127.0.0.1:{free_port()}")
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        codes = [(await gateway.post("/api/v1/auth/login", json={})).status_code for _ in range(4)]
        assert codes[:3] == [503] * 3
        assert codes[3] == 429


async def test_oversized_body_and_traversal(stack: Stack, token_for: Callable[..., Any]) -> None:
    headers = token_for("member-1")
    big = await stack.gateway.post("/api/v1/assemblies", headers=headers, content=b"x" * 20_000)
    assert big.status_code == 413
    for path in ("/api/v1/../internal", "/api/v1/members/..%2f..%2fhealth", "/api/v1/secret"):
        response = await stack.gateway.get(path, headers=headers)
        assert response.status_code == 404, path


async def test_readiness_reports_each_upstream(stack: Stack) -> None:
    ready = await stack.gateway.get("/health/ready")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"mongodb", "rabbitmq", "members", "invoicing", "payroll", "governance",
                                           "notifications"}


async def test_combined_openapi_lists_every_service(stack: Stack) -> None:
    spec = (await stack.gateway.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert "x-unavailable-services" not in spec["info"]
    assert "/api/v1/admin/api-keys" in spec["paths"]
    docs = await stack.gateway.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_gateway_stays_ready_when_one_upstream_is_down(settings_for: Callable[..., Any],
                                                            signing_key: SigningKey) -> None:
    settings = settings_for(GatewaySettings, payroll_url=f"http://127.0.0.1:{free_port()}")
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        ready = await gateway.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["payroll"]["status"] == "down"


async def test_client_pages_are_forwarded_without_login_and_dev_mail_is_absent_outside_development(
        stack: Stack) -> None:
    gateway = stack.gateway
    unknown = await gateway.get("/client/quotes/" + "x" * 43)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in unknown.headers["content-security-policy"]
    expired_or_unknown = await gateway.get("/client/invoices/" + "y" * 43, headers={"Authorization": "Bearer junk"})
    assert expired_or_unknown.status_code == 404  # a stray header changes nothing: no login here
    style = await gateway.get("/client/static/client.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    for path in ("/client/quotes/%2e%2e/%2e%2e/api/v1/invoices", "/client/other", "/client/"):
        assert (await gateway.get(path)).status_code == 404, path
    # The settings say "test": the local mail page does not exist.
    assert (await gateway.get("/dev/mail")).status_code == 404


async def test_dev_mail_lists_the_kept_messages_with_their_attachments(settings_for: Callable[..., Any],
                                                                       tmp_path: Any) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "coop@example.be", "client@example.be", "Factuur 7"
    message.set_content("Hallo")
    message.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="2026-000007.pdf")
    (tmp_path / "20261202T101010000000Z-0123abcd.eml").write_bytes(message.as_bytes())
    settings = settings_for(GatewaySettings, environment="development", dev_mail_dir=str(tmp_path))
    async with running(create_gateway(settings)) as client:
        listing = await client.get("/dev/mail")
        assert listing.status_code == 200
        assert "Factuur 7" in listing.text and "2026-000007.pdf" in listing.text and "application/pdf" in listing.text
        attachment = await client.get("/dev/mail/20261202T101010000000Z-0123abcd.eml/attachments/0")
        assert attachment.content == b"%PDF-1.4 test"
        raw = await client.get("/dev/mail/20261202T101010000000Z-0123abcd.eml")
        assert raw.content == message.as_bytes()
        assert (await client.get("/dev/mail/..%2f..%2fetc%2fpasswd")).status_code == 404
