"""Event contracts: names follow the convention and docs/events is current."""

from __future__ import annotations

import json
import re
from pathlib import Path

from coop_shared.contracts import CATALOGUE
from coop_shared.contracts.export import asyncapi, event_schema

NAME = re.compile(r"^(members|invoicing|payroll|governance|notifications|gateway)\.[a-z_]+\.[a-z_]+\.v\d+$")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "events"


def test_every_event_type_follows_the_routing_key_convention() -> None:
    for contract in CATALOGUE:
        assert NAME.match(contract.event_type), contract.event_type
        assert contract.event_type.startswith(contract.producer + ".")
    assert len({c.event_type for c in CATALOGUE}) == len(CATALOGUE)


def test_exported_documents_are_up_to_date() -> None:
    for contract in CATALOGUE:
        committed = json.loads((DOCS / f"{contract.event_type}.schema.json").read_text())
        assert committed == event_schema(contract.event_type, contract.model.model_json_schema()), (
            f"{contract.event_type} changed: run `make contracts`"
        )
    assert json.loads((DOCS / "asyncapi.json").read_text()) == asyncapi(), "run `make contracts`"
