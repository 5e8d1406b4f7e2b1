from __future__ import annotations

import pytest

from gateway.domain.routes import ROUTES, resolve


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
