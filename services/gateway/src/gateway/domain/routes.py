"""The gateway's allow-list: which public path prefix belongs to which service.

Only these prefixes are forwarded; anything else is a 404 at the door.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    prefix: str
    upstream: str


ROUTES: tuple[Route, ...] = (
    Route("/api/v1/auth", "members"),
    Route("/api/v1/members", "members"),
    Route("/api/v1/shares", "members"),
    Route("/api/v1/activities", "members"),
    Route("/api/v1/admin/members", "members"),
    Route("/api/v1/admin/shares", "members"),
    Route("/api/v1/clients", "invoicing"),
    Route("/api/v1/quotes", "invoicing"),
    Route("/api/v1/public/quotes", "invoicing"),
    Route("/api/v1/invoices", "invoicing"),
    Route("/api/v1/credit-notes", "invoicing"),
    Route("/api/v1/payments", "invoicing"),
    Route("/api/v1/bank-statements", "invoicing"),
    Route("/api/v1/expense-claims", "invoicing"),
    Route("/api/v1/vat-rates", "invoicing"),
    Route("/api/v1/reminders", "invoicing"),
    Route("/api/v1/refunds", "invoicing"),
    Route("/api/v1/internal-transfers", "invoicing"),
    Route("/api/v1/payroll", "payroll"),
    Route("/api/v1/salary-requests", "payroll"),
    Route("/api/v1/payslips", "payroll"),
    Route("/api/v1/ledger", "payroll"),
    Route("/api/v1/contracts", "payroll"),
    Route("/api/v1/guarantee-fund", "payroll"),
    Route("/api/v1/payment-batches", "payroll"),
    # First match wins: the sales documents are invoicing's, the rest of the accountants' API payroll's.
    Route("/api/v1/accounting/sales-documents", "invoicing"),
    Route("/api/v1/accounting", "payroll"),
    Route("/api/v1/assemblies", "governance"),
    Route("/api/v1/resolutions", "governance"),
    Route("/api/v1/recommendations", "governance"),
    Route("/api/v1/inbox", "notifications"),
    Route("/api/v1/preferences", "notifications"),
    Route("/api/v1/webhooks", "notifications"),
    Route("/api/v1/admin/email-deliveries", "notifications"),
    # Each service's scheduled jobs (/api/v1/admin/jobs itself is the gateway's own list of all of them).
    Route("/api/v1/admin/jobs/members", "members"),
    Route("/api/v1/admin/jobs/invoicing", "invoicing"),
    Route("/api/v1/admin/jobs/payroll", "payroll"),
    Route("/api/v1/admin/jobs/governance", "governance"),
    Route("/api/v1/admin/jobs/notifications", "notifications"),
)

# Pages for members' clients (no login, a token in the path), rendered by invoicing.
CLIENT_ROUTES: tuple[Route, ...] = (
    Route("/client/quotes", "invoicing"),
    Route("/client/invoices", "invoicing"),
    Route("/client/static", "invoicing"),
)

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


def is_canonical(path: str) -> bool:
    if not _SAFE_PATH.match(path):
        return False
    if "%2f" in path.lower() or "%2e" in path.lower() or "%5c" in path.lower():
        return False
    return posixpath.normpath(path) == path.rstrip("/") or path == "/"


def resolve(path: str) -> Route | None:
    """The route for ``path``, or None when it is not on the list.

    Paths that are not already canonical (``..``, ``.``, ``//``, encoded
    slashes or dots) are refused rather than normalised: a proxy that
    normalises differently from the upstream is how traversal gets through.
    """
    return _match(path, ROUTES)


def resolve_client(path: str) -> Route | None:
    """The client-page route for ``path`` (same canonical-path rule as the API)."""
    return _match(path, CLIENT_ROUTES)


def _match(path: str, routes: tuple[Route, ...]) -> Route | None:
    if not is_canonical(path):
        return None
    for route in routes:
        if path == route.prefix or path.startswith(route.prefix + "/"):
            return route
    return None
