from __future__ import annotations

import pytest

from gateway.domain.routes import ROUTES, resolve
from gateway.main import create_app


@pytest.mark.parametrize(("path", "upstream"), [
    ("/api/v1/members", "members"),
    ("/api/v1/members/123", "members"),
    ("/api/v1/inbox", "notifications"),
    ("/api/v1/invoices/2026-000001/pdf", "invoicing"),
    ("/api/v1/assemblies/a1/votes", "governance"),
    ("/api/v1/admin/jobs/payroll", "payroll"),
    ("/api/v1/accounting/journal", "payroll"),
    ("/api/v1/accounting/sales-documents", "invoicing"),  # the longer prefix is listed first
])
def test_listed_prefixes_reach_their_service(path: str, upstream: str) -> None:
    route = resolve(path)
    assert route is not None
    assert route.upstream == upstream


@pytest.mark.parametrize("path", [
    "/api/v1/membersX",          # a prefix is a whole segment
    "/api/v1/../internal",
    "/api/v1/members/../../health/ready",
    "/api/v1/members/..%2f..%2fadmin",
    "/api/v1/members/%2e%2e/x",
    "/api/v1//members",
    "/api/v1/members/./x",
    "/api/v1/unknown",
    "/internal/anything",
    "/api/v1/members\\..\\x",
])
def test_everything_else_is_refused(path: str) -> None:
    assert resolve(path) is None


def test_prefixes_are_unique() -> None:
    prefixes = [r.prefix for r in ROUTES]
    assert len(prefixes) == len(set(prefixes))


def test_no_route_of_the_gateways_own_is_on_the_allow_list() -> None:
    # The forwarding layer takes every allow-listed path before routing: one of these would be forwarded.
    own = [path.replace("{", "").replace("}", "") for path in create_app().openapi()["paths"]]
    assert "/api/v1/admin/api-keys/key_id/audit" in own
    assert [path for path in own if resolve(path) is not None] == []
