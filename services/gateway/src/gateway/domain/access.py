"""Who may pass the gateway to which route.

Public routes need no credentials (log in, register, client quote links,
the key sets). Partner API keys reach only the routes their scopes name.
Everything else needs a valid access token.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Rule:
    prefix: str
    methods: frozenset[str]

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and (path == self.prefix or path.startswith(self.prefix + "/"))


PUBLIC: tuple[Rule, ...] = (
    Rule("/api/v1/auth/login", frozenset({"POST"})),
    Rule("/api/v1/auth/register", frozenset({"POST"})),
    Rule("/api/v1/auth/refresh", frozenset({"POST"})),
    Rule("/api/v1/auth/logout", frozenset({"POST"})),  # needs only the refresh token
    Rule("/api/v1/auth/jwks", READ_METHODS),
    Rule("/api/v1/public/quotes", READ_METHODS | frozenset({"POST"})),
)

# Stricter rate limits where guessing is the attack.
SENSITIVE: tuple[Rule, ...] = (
    Rule("/api/v1/auth/login", frozenset({"POST"})),
    Rule("/api/v1/auth/register", frozenset({"POST"})),
    Rule("/api/v1/auth/refresh", frozenset({"POST"})),
    Rule("/api/v1/public/quotes", READ_METHODS | frozenset({"POST"})),
)

SCOPES: dict[str, tuple[Rule, ...]] = {
    "invoices:read": (Rule("/api/v1/invoices", READ_METHODS), Rule("/api/v1/credit-notes", READ_METHODS),
                      Rule("/api/v1/clients", READ_METHODS), Rule("/api/v1/quotes", READ_METHODS)),
    "invoices:write": (Rule("/api/v1/invoices", WRITE_METHODS), Rule("/api/v1/credit-notes", WRITE_METHODS),
                       Rule("/api/v1/clients", WRITE_METHODS), Rule("/api/v1/quotes", WRITE_METHODS)),
    "payments:read": (Rule("/api/v1/payments", READ_METHODS), Rule("/api/v1/bank-statements", READ_METHODS)),
    "payments:write": (Rule("/api/v1/payments", WRITE_METHODS),
                       Rule("/api/v1/bank-statements", WRITE_METHODS)),
    "payroll:read": (Rule("/api/v1/payslips", READ_METHODS), Rule("/api/v1/ledger", READ_METHODS),
                     Rule("/api/v1/payroll", READ_METHODS)),
    "members:read": (Rule("/api/v1/members", READ_METHODS), Rule("/api/v1/activities", READ_METHODS)),
    "webhooks:manage": (Rule("/api/v1/webhooks", READ_METHODS | WRITE_METHODS),),
}


def is_public(method: str, path: str) -> bool:
    return any(rule.matches(method, path) for rule in PUBLIC)


def is_sensitive(method: str, path: str) -> bool:
    return any(rule.matches(method, path) for rule in SENSITIVE)


def scopes_allowing(method: str, path: str) -> frozenset[str]:
    return frozenset(scope for scope, rules in SCOPES.items() if any(r.matches(method, path) for r in rules))


def scope_allows(scopes: frozenset[str], method: str, path: str) -> bool:
    return bool(scopes & scopes_allowing(method, path))
