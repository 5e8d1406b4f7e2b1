"""The platform's one OpenAPI document, combined from the services' own.

Component names that two services use for different schemas are prefixed
with the service (``InvoicingLineOut``, ``PayrollLineOut``) and every
``$ref`` is rewritten, so a generated client never types an invoice line as a
payslip line. Security is stated per operation from the gateway's own rules:
what the gateway lets through without credentials is marked public, what a
partner key may reach lists the scopes that allow it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from coop_shared.http.openapi import rename_schemas
from gateway.domain.access import is_public, scopes_allowing

Spec = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
PUBLIC_PREFIX = "/api/v1/"
BEARER = "bearerAuth"
PARTNER_KEY = "partnerKey"
UNAVAILABLE = "x-unavailable-services"

SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
             "description": "An access token from POST /api/v1/auth/login (RS256, short-lived)."},
    PARTNER_KEY: {"type": "apiKey", "in": "header", "name": "X-API-Key",
                  "description": "A partner API key (also accepted as `Authorization: ApiKey <key>`); "
                                 "it reaches only the routes its scopes name."},
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _refs_in(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                yield value[len(REF_PREFIX):]
            else:
                yield from _refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs_in(item)


def _pascal(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", "_").split("_"))


def _clashing_names(specs: dict[str, Spec]) -> set[str]:
    """Names defined by two services with different content."""
    seen: dict[str, str] = {}
    clashing: set[str] = set()
    for spec in specs.values():
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            text = json.dumps(schema, sort_keys=True)
            if seen.setdefault(name, text) != text:
                clashing.add(name)
    return clashing


def _security_for(method: str, path: str) -> tuple[list[dict[str, list[str]]], list[str]]:
    if is_public(method.upper(), path):
        return [], []
    scopes = sorted(scopes_allowing(method.upper(), path))
    security: list[dict[str, list[str]]] = [{BEARER: []}]
    if scopes:
        security.append({PARTNER_KEY: []})
    return security, scopes


def _secure(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    security, scopes = _security_for(method, path)
    operation["security"] = security
    if not security:
        operation["x-public"] = True
        operation["description"] = (operation.get("description", "") + "\n\nPublic: no credentials.").strip()
        for status in ("401", "403"):
            operation.get("responses", {}).pop(status, None)
    elif scopes:
        operation["x-partner-scopes"] = scopes
        note = "Partner keys with scope " + " or ".join(f"`{s}`" for s in scopes) + " may call this."
        operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()
    return operation


def combine(specs: dict[str, Spec | None], order: Iterable[str] | None = None) -> Spec:
    """One document from the services' documents (None: could not be read)."""
    readable = {name: spec for name, spec in specs.items() if spec is not None}
    unavailable = sorted(name for name, spec in specs.items() if spec is None)
    clashing = _clashing_names(readable)
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: dict[str, dict[str, Any]] = {}
    for service in order or readable:
        spec = readable.get(service)
        if spec is None:
            continue

        own = copy.deepcopy(spec)
        own = rename_schemas(own, {n: _pascal(service) + n for n in own.get("components", {}).get("schemas", {})
                                   if n in clashing})
        service_paths = {p: item for p, item in own.get("paths", {}).items() if p.startswith(PUBLIC_PREFIX)}
        service_schemas = own.get("components", {}).get("schemas", {})
        for name in _reachable(service_paths, service_schemas):
            schemas[name] = service_schemas[name]
        for path, rewritten in service_paths.items():
            for method in _METHODS:
                if method in rewritten:
                    operation = _secure(path, method, rewritten[method])
                    for tag in operation.get("tags", []):
                        tags.setdefault(tag, {"name": tag, "description": f"Served by the {service} service."})
            paths[path] = rewritten
    description = "All public routes of the platform, through the gateway. Errors always come as " \
                  '`{"error": {"code", "message", "field", "details", "request_id"}}`; decimals are strings.'
    info: dict[str, Any] = {"title": "Shared company platform API", "version": "1.0.0",
                            "description": description,
                            "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}}
    if unavailable:
        info[UNAVAILABLE] = unavailable
        info["description"] = ("**Incomplete document**: could not read " + ", ".join(unavailable)
                               + "; their routes are missing.\n\n" + description)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": "/", "description": "This gateway"}],
        "tags": sorted(tags.values(), key=lambda t: str(t["name"])),
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


def _reachable(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    todo = list(_refs_in(paths))
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found or name not in schemas:
            continue
        found.add(name)
        todo.extend(_refs_in(schemas[name]))
    return found
