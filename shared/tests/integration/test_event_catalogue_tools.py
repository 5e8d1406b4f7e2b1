"""docs/events checked with the tools consumers use: the official AsyncAPI
parser (node) and a JSON Schema validator (jsonschema)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from coop_shared.contracts import CATALOGUE
from coop_shared.contracts.governance import AgendaItem, AssemblyConvened
from coop_shared.messaging.envelope import new_event
from coop_shared.testing.node_tools import NodeTools, node_tools  # noqa: F401  (fixture)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "events"
PARSE = Path(__file__).with_name("parse_asyncapi.mjs")


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


def test_asyncapi_document_is_valid_for_the_official_parser(node_tools: NodeTools) -> None:  # noqa: F811
    parsed = node_tools.run("node", str(PARSE), str(DOCS / "asyncapi.json"))
    assert parsed.returncode == 0, parsed.stderr
    report = json.loads(parsed.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["valid"] is True
    assert report["warnings"] == []
    assert report["channels"] == report["messages"] == len(CATALOGUE)


@pytest.mark.parametrize("event_type", [c.event_type for c in CATALOGUE])
def test_event_schema_is_valid_json_schema_with_every_reference_resolved(event_type: str) -> None:
    schema = json.loads((DOCS / f"{event_type}.schema.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft202012Validator
    validator_class.check_schema(schema)
    resolver = Registry().with_resource("urn:event", Resource.from_contents(schema)).resolver("urn:event")
    for ref in refs(schema):
        resolver.lookup(ref)  # raises when a reference points nowhere


def test_a_real_event_validates_against_its_schema_nested_models_included() -> None:
    schema = json.loads((DOCS / "governance.assembly.convened.v1.schema.json").read_text())
    moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    item = AgendaItem(resolution_id="r1", number=1, text="Approve the accounts", majority="simple",
                      quorum="1/2", ballot="open")
    payload = AssemblyConvened(assembly_id="a1", kind="general", title="General assembly 2026",
                               electorate_size=1,
                               member_ids=["m1"], convened_at=moment, convocation_day=moment.date(),
                               opens_at=moment, closes_at=moment, agenda=[item])
    event = new_event(payload, source="governance").model_dump(mode="json")
    jsonschema.validate(event, schema, format_checker=jsonschema.FormatChecker())
    event["data"]["agenda"][0]["ballot"] = "show of hands"  # checked through #/$defs/AgendaItem
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event, schema)
