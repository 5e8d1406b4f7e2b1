"""Admission (credentials, scopes, rate limits) without servers: API keys in an in-memory store, the real
token verifier trusting keys these tests sign with, the real moving-window limiters counting in memory,
and a starlette ``Request`` built from an ASGI scope. Each refusal is the ``ApiError`` the gateway answers
with: its status, its code and, for a rate limit, its Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import pytest
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.types import Message

from coop_shared.auth.principal import Role
from coop_shared.auth.revocation import TokenVersions
from coop_shared.auth.tokens import PARTNER_ROLES, KeySource, SigningKey, TokenVerifier, issue_access_token
from coop_shared.clock import wall_time
from coop_shared.http.errors import ApiError
from gateway.adapters.partner_tokens import PartnerTokens
from gateway.adapters.rate_limits import InMemoryMovingWindowStorage, MovingWindowLimit
from gateway.service_layer.admission import API_KEY_STATE, Admission, Limits, admit

from .fakes import FakeApiKeyStore

MEMBERS_KEY = SigningKey.generate()  # signs people's access tokens, as the members service does
GATEWAY_KEY = SigningKey.generate()  # signs the partner tokens the gateway forwards
FORGER_KEY = SigningKey.generate()  # trusted by nobody
GATEWAY_ISSUER = "coop-gateway"
CLIENT_IP = "203.0.113.7"
INVOICES = "/api/v1/invoices"


def request(method: str, path: str, headers: Mapping[str, str] | None = None) -> Request:
    """What uvicorn hands the gateway for a body-less request."""
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "http_version": "1.1", "scheme": "http", "method": method, "path": path,
             "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()],
             "client": (CLIENT_IP, 50123), "server": ("gateway", 8000)}
    return Request(scope, receive)


@dataclass
class Gateway:
    keys: FakeApiKeyStore
    verifier: TokenVerifier
    partner_tokens: PartnerTokens
    versions: TokenVersions
    limits: Limits

    async def admit(self, req: Request) -> Admission:
        return await admit(req, req.url.path, limits=self.limits, verifier=self.verifier, keys=self.keys,
                           partner_tokens=self.partner_tokens, versions=self.versions, client_ip=CLIENT_IP)


def gateway(*, per_ip: int = 100, per_principal: int = 100) -> Gateway:
    """Admission's collaborators as ``build_context`` wires them, the API keys in memory."""
    verifier = TokenVerifier(jwks={"keys": [MEMBERS_KEY.public_jwk()]})
    verifier.trust(KeySource(GATEWAY_ISSUER, PARTNER_ROLES, jwks={"keys": [GATEWAY_KEY.public_jwk()]}))
    strategy = MovingWindowRateLimiter(InMemoryMovingWindowStorage())
    limits = Limits(per_ip=MovingWindowLimit(strategy, per_ip, "ip"),
                    per_principal=MovingWindowLimit(strategy, per_principal, "principal"),
                    sensitive_per_ip=MovingWindowLimit(strategy, 10, "sensitive-ip"),
                    sensitive_per_account=MovingWindowLimit(strategy, 5, "sensitive-account"),
                    per_token=MovingWindowLimit(strategy, 100, "token"))
    return Gateway(FakeApiKeyStore(), verifier, PartnerTokens(GATEWAY_KEY, issuer=GATEWAY_ISSUER,
                                                              audience="coop-platform"),
                   TokenVersions(), limits)


async def refusal(gw: Gateway, req: Request) -> ApiError:
    with pytest.raises(ApiError) as refused:
        await gw.admit(req)
    return refused.value


# Partner API keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_a_valid_key_within_its_scopes_passes_as_a_partner_bearer_token(header: str) -> None:
    gw = gateway()
    key, doc = await gw.keys.create(name="Accounting sync", scopes=frozenset({"invoices:read"}),
                                    created_by="admin-1", activity_ids=frozenset({"act-1"}))
    req = request("GET", f"{INVOICES}/2026-000001",
                  {header: f"ApiKey {key}" if header == "authorization" else key})

    admission = await gw.admit(req)

    assert admission.api_key_id == doc["_id"] and admission.principal is None
    assert getattr(req.state, API_KEY_STATE) == doc["_id"]  # audited once answered
    scheme, _, token = (admission.authorization or "").partition(" ")
    assert scheme == "Bearer" and key not in (admission.authorization or "")  # the secret never travels on
    partner = await gw.verifier.verify(token)
    assert (partner.id, partner.role, partner.scopes, partner.activities) == (
        doc["_id"], Role.PARTNER, frozenset({"invoices:read"}), frozenset({"act-1"}))


@pytest.mark.parametrize(("state", "code"), [
    ("revoked", "invalid_api_key"), ("expired", "api_key_expired"), ("unknown", "invalid_api_key")])
async def test_a_revoked_expired_or_unknown_key_is_unauthenticated(state: str, code: str) -> None:
    gw = gateway()
    expires_at = wall_time() - timedelta(minutes=1) if state == "expired" else None
    key, doc = await gw.keys.create(name="Old sync", scopes=frozenset({"invoices:read"}), created_by="admin-1",
                                    expires_at=expires_at)
    if state == "revoked":
        await gw.keys.revoke(doc["_id"])
    if state == "unknown":
        key = key[:-4] + "XXXX"
    req = request("GET", INVOICES, {"X-Api-Key": key})

    refused = await refusal(gw, req)

    assert (refused.status, refused.code) == (401, code)
    assert getattr(req.state, API_KEY_STATE, None) is None  # not the key's own doing: nothing to audit


async def test_a_key_outside_its_scopes_is_forbidden() -> None:
    gw = gateway()
    key, doc = await gw.keys.create(name="Read only", scopes=frozenset({"invoices:read"}), created_by="admin-1")

    for method, path in [("POST", INVOICES), ("GET", "/api/v1/members")]:
        req = request(method, path, {"Authorization": f"ApiKey {key}"})
        refused = await refusal(gw, req)
        assert (refused.status, refused.code) == (403, "insufficient_scope")
        assert getattr(req.state, API_KEY_STATE) == doc["_id"]  # the key's own refusal is audited


async def test_a_key_past_its_quota_is_rate_limited_with_retry_after() -> None:
    gw = gateway(per_principal=2)
    key, _ = await gw.keys.create(name="Busy", scopes=frozenset({"invoices:read"}), created_by="admin-1")
    other, _ = await gw.keys.create(name="Calm", scopes=frozenset({"invoices:read"}), created_by="admin-1")
    for _ in range(2):
        await gw.admit(request("GET", INVOICES, {"X-Api-Key": key}))

    refused = await refusal(gw, request("GET", INVOICES, {"X-Api-Key": key}))

    assert (refused.status, refused.code) == (429, "rate_limited")
    assert refused.headers is not None and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await gw.admit(request("GET", INVOICES, {"X-Api-Key": other}))).api_key_id  # a quota per key


async def test_an_address_past_its_quota_is_rate_limited_before_its_credentials_are_read() -> None:
    gw = gateway(per_ip=1)
    await gw.admit(request("GET", "/api/v1/auth/jwks"))

    refused = await refusal(gw, request("GET", INVOICES, {"X-Api-Key": "coop_whatever"}))

    assert (refused.status, refused.code) == (429, "rate_limited")
    assert refused.headers is not None and int(refused.headers["Retry-After"]) >= 1


# People's bearer tokens ---------------------------------------------------------------------------------


def member_token(token_version: int) -> str:
    return issue_access_token(MEMBERS_KEY, subject="m-1", role=Role.MEMBER, token_version=token_version)


async def test_a_current_bearer_token_is_forwarded_as_it_came() -> None:
    gw = gateway()
    gw.versions.learn("m-1", 1)
    header = f"Bearer {member_token(1)}"

    admission = await gw.admit(request("GET", "/api/v1/members/m-1", {"Authorization": header}))

    assert admission.authorization == header and admission.api_key_id is None
    assert admission.principal is not None
    assert (admission.principal.id, admission.principal.role, admission.principal.token_version) == (
        "m-1", Role.MEMBER, 1)


async def test_a_bearer_token_older_than_its_members_token_version_is_revoked() -> None:
    gw = gateway()
    token = member_token(1)
    await gw.admit(request("GET", "/api/v1/members/m-1", {"Authorization": f"Bearer {token}"}))  # cached now
    gw.versions.learn("m-1", 2)  # members.member.token_version_changed.v1: e.g. "log out everywhere"

    refused = await refusal(gw, request("GET", "/api/v1/members/m-1", {"Authorization": f"Bearer {token}"}))

    assert (refused.status, refused.code) == (401, "token_revoked")
    assert refused.headers == {"WWW-Authenticate": "Bearer"}


async def test_a_private_route_without_credentials_or_with_a_forged_token_is_unauthenticated() -> None:
    gw = gateway()
    forged = issue_access_token(FORGER_KEY, subject="m-1", role=Role.ADMIN)

    missing = await refusal(gw, request("GET", "/api/v1/members"))
    invalid = await refusal(gw, request("GET", "/api/v1/members", {"Authorization": f"Bearer {forged}"}))

    assert (missing.status, missing.code) == (401, "unauthenticated")
    assert (invalid.status, invalid.code) == (401, "invalid_token")
    assert await gw.admit(request("GET", "/api/v1/auth/jwks")) == Admission(None, None)  # public: no credentials
