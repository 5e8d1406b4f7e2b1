"""Every service's OpenAPI document, shaped the same way.

- operation ids are ``<tag>_<function name>`` (``invoices_issue``), stable and
  readable in generated clients;
- every 4xx/5xx answer documents the real error envelope
  ``{"error": {...}}`` (FastAPI's ``HTTPValidationError`` is never shown:
  the services answer 422 with the envelope too), with the codes it may carry;
- decimals are strings with a decimal ``pattern`` (numbers are still accepted
  on input, which the schema says too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from fastapi import FastAPI
from fastapi._compat import v2 as fastapi_pydantic
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

ERROR_SCHEMA = "Error"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
_REF = "#/components/schemas/"


def operation_id(route: APIRoute) -> str:
    """``<first tag>_<endpoint name>``: unique across the platform because
    tags name a resource and endpoint names are unique within a router."""
    tag = str(route.tags[0]) if route.tags else ""
    prefix = re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_")
    return f"{prefix}_{route.name}" if prefix else route.name


class ErrorDetail(BaseModel):
    field: str | None = Field(default=None, description="The input to blame, as the client sent it.")
    message: str | None = None
    type: str | None = Field(default=None, description="The validation rule that failed.")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code; clients switch on it.")
    message: str = Field(description="Human-readable explanation.")
    field: str | None = Field(default=None, description="The offending input, when one is.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Per-field problems (validation) or the facts behind a refusal.")
    request_id: str | None = Field(default=None, description="The X-Request-ID of the request, for support.")


class Error(BaseModel):
    """The one error envelope every service and the gateway answer with."""

    error: ErrorBody


# The codes each status may carry everywhere; domain codes add to them.
COMMON_ERROR_CODES: dict[str, tuple[str, ...]] = {
    "400": ("bad_request", "invalid_idempotency_key"),
    "401": ("unauthenticated", "invalid_token"),
    "403": ("forbidden", "insufficient_scope"),
    "404": ("not_found",),
    "409": ("conflict", "request_in_progress"),
    "412": ("precondition_failed",),
    "428": ("precondition_required",),
    "413": ("payload_too_large",),
    "422": ("validation_error", "idempotency_key_reused"),
    "429": ("too_many_requests",),
    "500": ("internal_error",),
    "502": ("bad_gateway",),
    "503": ("service_unavailable",),
    "504": ("gateway_timeout",),
}
_DESCRIPTIONS = {
    "400": "Bad request", "401": "Missing or invalid credentials", "403": "Not allowed",
    "404": "Not found", "409": "Conflict with the current state", "412": "The resource changed (If-Match)",
    "428": "If-Match is required",
    "413": "Body too large", "422": "Invalid input (the field is named)", "429": "Too many requests",
    "500": "Unexpected error", "502": "Upstream error", "503": "Service unavailable",
    "504": "Upstream timeout",
}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


def error_response(status: str, codes: tuple[str, ...] | None = None) -> dict[str, Any]:
    listed = codes if codes is not None else COMMON_ERROR_CODES.get(status, ("error",))
    return {
        "description": f"{_DESCRIPTIONS.get(status, 'Error')}. Codes: " + ", ".join(f"`{c}`" for c in listed),
        "content": {"application/json": {"schema": {"$ref": _REF + ERROR_SCHEMA}}},
        "x-error-codes": list(listed),
    }


def _defaults_for(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["401", "403", "429", "500"]
    if "{" in path:
        statuses.append("404")
    if method in _WRITE_METHODS:
        statuses += ["409", "413"]
    if method in {"patch", "put", "delete"}:
        statuses.append("412")  # a stale If-Match
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append("422")
    return statuses


def rewrite_refs(node: Any, rename: Callable[[str], str]) -> Any:
    """``node`` with every ``#/components/schemas/<name>`` reference renamed."""
    if isinstance(node, dict):
        return {key: (_REF + rename(value[len(_REF):])
                      if key == "$ref" and isinstance(value, str) and value.startswith(_REF)
                      else rewrite_refs(value, rename))
                for key, value in node.items()}
    if isinstance(node, list):
        return [rewrite_refs(item, rename) for item in node]
    return node


def rename_schemas(document: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Rename components (their ``title`` too: generators name models after it)."""
    if not names:
        return document
    schemas = document.get("components", {}).get("schemas", {})
    renamed: dict[str, Any] = {}
    for name, schema in schemas.items():
        new = names.get(name, name)
        if new != name:
            schema = {**schema, "title": new}
        renamed[new] = schema
    document.setdefault("components", {})["schemas"] = renamed
    return cast(dict[str, Any], rewrite_refs(document, lambda name: names.get(name, name)))


_GENERIC_MODULES = {"schemas", "schema", "models", "api", "entrypoints", "routes"}


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def short_names(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI names two models of one name ``pkg__module__Name``; make that
    ``ModuleName`` (``ExpenseClaimsRejectIn``), which generators can use."""
    schemas = document.get("components", {}).get("schemas", {})
    taken = set(schemas)
    names: dict[str, str] = {}
    for name in schemas:
        if "__" not in name:
            continue
        *modules, base = name.split("__")
        module = next((m for m in reversed(modules) if m not in _GENERIC_MODULES), modules[-1] if modules else "")
        new = _pascal(module) + base
        while new in taken:
            new = "X" + new
        taken.add(new)
        names[name] = new
    return rename_schemas(document, names)


def apply_error_envelope(document: dict[str, Any]) -> dict[str, Any]:
    """Replace FastAPI's validation schema by the envelope on every operation
    and document the usual failures of each one."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas.update(_envelope_schemas())
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status in _defaults_for(method, path, operation):
                responses.setdefault(status, {})
            for status in list(responses):
                if status[:1] in {"4", "5"}:
                    declared = responses[status]
                    merged = error_response(status)
                    if declared.get("description") and not declared["description"].startswith(
                            ("Validation Error", "Successful")):
                        merged["description"] = declared["description"] + ". " + merged["description"]
                    responses[status] = merged
    return document


def _envelope_schemas() -> dict[str, Any]:
    schema = Error.model_json_schema(ref_template=_REF + "{model}")
    defs = schema.pop("$defs", {})
    return {**defs, ERROR_SCHEMA: schema}


class DecimalAsString(fastapi_pydantic.GenerateJsonSchema):
    """Decimals as strings with a decimal pattern; numbers stay accepted on input."""

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return self.build_decimal_pattern(schema)

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        generated = super().decimal_schema(schema)
        if self.mode == "validation":
            generated["description"] = "A decimal: a string such as \"12.50\" (a JSON number is accepted too)."
        else:
            generated["description"] = "A decimal, always sent as a string such as \"12.50\"."
        return generated


def install_decimal_strings() -> None:
    # FastAPI builds every schema with this module-level class; ours adds the pattern.
    if fastapi_pydantic.GenerateJsonSchema is not DecimalAsString:
        fastapi_pydantic.GenerateJsonSchema = DecimalAsString  # type: ignore[misc]


def install_openapi(app: FastAPI) -> None:
    """``app.openapi()`` gives the shaped document (built once, then cached)."""
    install_decimal_strings()

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes, tags=app.openapi_tags, servers=app.servers)
            app.openapi_schema = short_names(apply_error_envelope(document))
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
