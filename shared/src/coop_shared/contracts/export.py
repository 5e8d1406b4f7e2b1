"""``make contracts``: one JSON Schema per event and an AsyncAPI 3.1 document.

Usage: ``python -m coop_shared.contracts.export OUTPUT_DIR``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from coop_shared.contracts import CATALOGUE
from coop_shared.messaging.envelope import Envelope

EXCHANGE = "coop.events"


def event_schema(contract_type: str, model_schema: dict[str, Any]) -> dict[str, Any]:
    """The envelope with the payload as ``data``. The payload's ``$defs`` move to
    the root: pydantic's references (``#/$defs/AgendaItem``) point there."""
    envelope = Envelope.model_json_schema()
    data = dict(model_schema)
    defs = {**envelope.pop("$defs", {}), **data.pop("$defs", {})}
    envelope["title"] = contract_type
    envelope["properties"]["type"] = {"const": contract_type, "type": "string"}
    envelope["properties"]["data"] = data
    if defs:
        envelope["$defs"] = defs
    envelope["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return envelope


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in CATALOGUE:
        name = contract.event_type.replace(".", "_")
        messages[name] = {
            "name": contract.event_type,
            "contentType": "application/json",
            "payload": {"$ref": f"./{contract.event_type}.schema.json"},
            "x-producer": contract.producer,
            "x-consumers": list(contract.consumers),
        }
        channels[name] = {
            "address": contract.event_type,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {"name": EXCHANGE, "type": "topic",
                                                                    "durable": True}}},
        }
        operations[f"{contract.producer}_publishes_{name}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{name}"},
        }
        for consumer in contract.consumers:
            operations[f"{consumer}_receives_{name}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{name}"},
                "x-queue": f"{consumer}.events",
            }
    return {
        "asyncapi": "3.1.0",
        "info": {"title": "Shared company platform events", "version": "1.0.0",
                 "description": "Every event on the topic exchange, its producer and its consumers."},
        "defaultContentType": "application/json",
        "channels": channels, "operations": operations, "components": {"messages": messages},
    }


def export(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for contract in CATALOGUE:
        path = out / f"{contract.event_type}.schema.json"
        path.write_text(json.dumps(event_schema(contract.event_type, contract.model.model_json_schema()),
                                   indent=2, sort_keys=True) + "\n")
        written.append(path)
    path = out / "asyncapi.json"
    path.write_text(json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n")
    written.append(path)
    return written


if __name__ == "__main__":
    for written_path in export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/events")):
        print(written_path)
