"""The combined OpenAPI document, read from a gateway in front of the real
services, checked with the tools front-end developers and partners use."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from coop_shared.auth.tokens import SigningKey
from coop_shared.testing.fixtures import running, serving, trust_test_key
from coop_shared.testing.node_tools import NodeTools, node_tools  # noqa: F401  (fixture)
from coop_shared.testing.servers import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from governance.config import GovernanceSettings
from governance.main import create_app as create_governance

REF = "#/components/schemas/"
METHODS = {"get", "post", "put", "patch", "delete"}


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


@pytest.fixture
async def spec(platform_gateway: httpx.AsyncClient) -> dict[str, Any]:
    response = await platform_gateway.get("/api/openapi.json", params={"strict": "true"})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
def spec_file(spec: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(spec))
    return path


def schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].removeprefix(REF)]
    return node


async def test_clashing_component_names_are_prefixed_by_service(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for ref in refs(spec):
        assert ref.removeprefix(REF) in schemas, ref  # every reference resolves
    invoice_lines = schemas["InvoiceOut"]["properties"]["lines"]["items"]
    assert invoice_lines == {"$ref": REF + "InvoicingLineOut"}
    assert {"description", "quantity", "unit_price"} <= set(schemas["InvoicingLineOut"]["properties"])
    payslip_lines = json.dumps(schemas["PayslipOut"])
    assert REF + "PayrollLineOut" in payslip_lines and "InvoicingLineOut" not in payslip_lines
    assert "LineOut" not in schemas and "PaymentOut" not in schemas
    assert not [name for name in schemas if "__" in name]
    assert schemas["InvoicingLineOut"]["title"] == "InvoicingLineOut"
    reject = spec["paths"]["/api/v1/public/quotes/{token}/reject"]["post"]
    assert "RejectIn" in json.dumps(reject["requestBody"])


async def test_operation_ids_are_tag_and_name_and_unique(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert not [name for name in set(ids) if ids.count(name) > 1]  # unique
    assert len(ids) > 100
    assert "invoices_issue" in ids and "api_keys_create_key" in ids
    for _, _, op in operations(spec):
        tag = re.sub(r"[^a-z0-9]+", "_", op["tags"][0].lower())
        assert op["operationId"].startswith(tag + "_"), op["operationId"]


async def test_security_is_stated_per_operation(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["partnerKey"] == {**schemes["partnerKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    paths = spec["paths"]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    assert paths["/api/v1/auth/login"]["post"]["x-public"] is True
    assert paths["/api/v1/public/quotes/{token}/reject"]["post"]["security"] == []
    assert paths["/api/v1/invoices"]["get"]["security"] == [{"bearerAuth": []}, {"partnerKey": []}]
    assert paths["/api/v1/invoices"]["get"]["x-partner-scopes"] == ["invoices:read"]
    assert paths["/api/v1/assemblies"]["get"]["security"] == [{"bearerAuth": []}]
    for _, _, op in operations(spec):
        assert "security" in op


async def test_every_error_answer_is_the_envelope(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    envelope = schemas["Error"]
    assert envelope["required"] == ["error"]
    body = schema(spec, envelope["properties"]["error"])
    assert {"code", "message", "field", "details", "request_id"} <= set(body["properties"])
    checked = 0
    for path, method, op in operations(spec):
        for status, answer in op["responses"].items():
            if status[0] in "45":
                assert answer["content"]["application/json"]["schema"] == {"$ref": REF + "Error"}, (path, status)
                assert answer["x-error-codes"], (path, status)
                checked += 1
        if op.get("requestBody") or op.get("parameters"):
            assert "422" in op["responses"], (method, path)
    assert checked > 500
    created = spec["paths"]["/api/v1/invoices"]["post"]["responses"]
    assert "validation_error" in created["422"]["x-error-codes"]


async def test_money_is_a_decimal_string_and_numbers_are_accepted(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    out = schemas["InvoicingLineOut"]["properties"]["unit_price"]
    assert out["type"] == "string"
    assert re.fullmatch(out["pattern"], "60.50") and not re.fullmatch(out["pattern"], "sixty")
    accepted = schemas["LineIn"]["properties"]["unit_price"]["anyOf"]
    assert {"type": "number"} in accepted
    as_string = next(branch for branch in accepted if branch["type"] == "string")
    assert re.fullmatch(as_string["pattern"], "60.5")


async def test_typescript_client_compiles_and_types_invoice_lines(spec_file: Path, tmp_path: Path,
                                                                  node_tools: NodeTools) -> None:  # noqa: F811
    out = tmp_path / "client"
    generated = await asyncio.to_thread(node_tools.run, node_tools.bin("openapi-ts"),
                                        "-i", str(spec_file), "-o", str(out))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # Compiles only if an invoice line has the invoice line's fields (a payslip line has code/label/amount).
    (tmp_path / "use_client.ts").write_text(
        "import type { InvoiceOut } from './client/types.gen';\n"
        "type Line = InvoiceOut['lines'][number];\n"
        "const line: Line = { description: 'Design', quantity: '2', unit: 'HUR', unit_price: '60.00',\n"
        "  vat_rate: '21', vat_category: 'S', net_amount: '120.00' };\n"
        "export const text: string = line.description + line.quantity + line.unit_price;\n")
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "noEmit": True, "target": "ES2022", "module": "ESNext",
                            "moduleResolution": "Bundler", "lib": ["ES2022", "DOM", "DOM.Iterable"]},
        "include": ["client/**/*.ts", "use_client.ts"]}))
    compiled = await asyncio.to_thread(node_tools.run, node_tools.bin("tsc"), "--strict",
                                       "-p", str(tmp_path / "tsconfig.json"))
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    types = (out / "types.gen.ts").read_text()
    line_type = types[types.index("export type InvoicingLineOut = {"):]
    line_type = line_type[:line_type.index("\n};")]
    for name in ("description: string", "quantity: string", "unit_price: string"):
        assert name in line_type


async def test_redocly_lint_finds_no_error(spec_file: Path, node_tools: NodeTools) -> None:  # noqa: F811
    linted = await asyncio.to_thread(node_tools.run, node_tools.bin("redocly"), "lint", str(spec_file), "--format=json")
    assert linted.returncode == 0, linted.stdout[-5000:] + linted.stderr[-2000:]
    report = json.loads(linted.stdout[linted.stdout.index("{"):])
    assert report["totals"]["errors"] == 0


async def test_python_client_generates_every_operation(spec: dict[str, Any], spec_file: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "python_client"
    command = [str(Path(sys.executable).with_name("openapi-python-client")), "generate",
               "--path", str(spec_file), "--output-path", str(out), "--meta", "none"]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=300,
                                   check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "will not be generated" not in done.stdout, done.stdout
    assert "Unable to parse schema" not in done.stdout, done.stdout
    modules = {p.stem for p in (out / "api").rglob("*.py") if p.name != "__init__.py"}
    expected = {op["operationId"] for _, _, op in operations(spec)}
    assert expected <= modules, sorted(expected - modules)
    assert "public_quote_links_reject" in modules


async def test_a_service_that_cannot_be_read_is_named_and_strict_mode_is_503(
        settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    port = free_port()
    nowhere = {f"{name}_url": f"http://127.0.0.1:{free_port()}"
               for name in ("members", "invoicing", "payroll", "notifications")}
    settings = settings_for(GatewaySettings, governance_url=f"http://127.0.0.1:{port}", openapi_cache_seconds=60,
                            **nowhere)
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        governance = trust_test_key(create_governance(settings_for(GovernanceSettings)), signing_key)
        async with serving(governance, port):
            first = await gateway.get("/api/openapi.json")
            assert first.status_code == 200
            assert first.json()["info"]["x-unavailable-services"] == ["invoicing", "members", "notifications",
                                                                      "payroll"]
            assert "/api/v1/assemblies" in first.json()["paths"]
            assert first.headers["cache-control"] == "no-store"
            strict = await gateway.get("/api/openapi.json?strict=true")
            assert strict.status_code == 503
            assert strict.json()["error"]["code"] == "service_unavailable"
            assert "members" in strict.json()["error"]["message"]
        # Governance stopped: its document, read less than a minute ago, is still served from the cache.
        cached = await gateway.get("/api/openapi.json")
        assert "/api/v1/assemblies" in cached.json()["paths"]


async def test_an_expired_document_is_read_again(settings_for: Callable[..., Any], signing_key: SigningKey) -> None:
    port = free_port()
    settings = settings_for(GatewaySettings, governance_url=f"http://127.0.0.1:{port}", openapi_cache_seconds=0)
    async with running(trust_test_key(create_gateway(settings), signing_key)) as gateway:
        governance = trust_test_key(create_governance(settings_for(GovernanceSettings)), signing_key)
        async with serving(governance, port):
            assert "/api/v1/assemblies" in (await gateway.get("/api/openapi.json")).json()["paths"]
        gone = (await gateway.get("/api/openapi.json")).json()
        assert "/api/v1/assemblies" not in gone["paths"]
        assert "governance" in gone["info"]["x-unavailable-services"]


async def test_viewers_load_vendored_assets_only(platform_gateway: httpx.AsyncClient) -> None:
    for page in ("/api/docs", "/api/redoc"):
        html = (await platform_gateway.get(page)).text
        scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert scripts and all(s.startswith("/api/docs/assets/") for s in scripts), scripts
        for url in scripts:
            asset = await platform_gateway.get(url)
            assert asset.status_code == 200 and len(asset.content) > 500, url
    assert "cdn" not in (await platform_gateway.get("/api/docs")).text.lower()
    assert (await platform_gateway.get("/api/docs/assets/../../main.py")).status_code == 404
    assert (await platform_gateway.get("/docs")).status_code == 404


def test_vendored_assets_are_the_pinned_packages(node_tools: NodeTools) -> None:  # noqa: F811
    static = Path(__file__).resolve().parents[2] / "src" / "gateway" / "static"
    modules = node_tools.root / "node_modules"
    for vendored, package in (("swagger-ui/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js"),
                              ("swagger-ui/swagger-ui.css", "swagger-ui-dist/swagger-ui.css"),
                              ("redoc/redoc.standalone.js", "redoc/bundles/redoc.standalone.js")):
        assert (static / vendored).read_bytes() == (modules / package).read_bytes(), vendored
