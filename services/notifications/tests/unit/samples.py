"""A valid payload for every contract the catalogue handles, built from the
contract's own JSON schema, with realistic values for the fields templates use."""

from __future__ import annotations

from typing import Any

from coop_shared.contracts import by_type

_VALUES: dict[str, Any] = {
    "member_id": "m-1", "activity_id": "act-1", "email": "ada@example.be", "full_name": "Ada Lovelace",
    "language": "fr", "number": "2026-000123", "client_name": "Atelier Dupont", "client_email": "c@example.be",
    "amount": "150.00", "total_incl_vat": "1210.00", "total_excl_vat": "1000.00", "outstanding_incl_vat": "605.00",
    "net": "2150.40", "gross": "3000.00", "title": "Assemblée générale 2026", "kind": "general",
    "opens_at": "2026-06-01T08:00:00Z", "closes_at": "2026-06-08T18:00:00Z", "level": "formal_notice",
    "answer": "accepted", "to_status": "done", "from_status": "in_progress", "category": "A", "role": "member",
    "batch": 1, "batches": 1, "majority": "simple", "ballot": "open", "reason": "adopted",
    "agenda": [{"resolution_id": "r-1", "number": 1, "text": "Approve the accounts", "majority": "simple",
                "quorum": "0", "ballot": "open"}],
}


def _value(name: str, schema: dict[str, Any]) -> Any:
    if name in _VALUES:
        return _VALUES[name]
    options = schema.get("anyOf", [schema])
    kinds = {s.get("type") for s in options} | {s.get("format") for s in options}
    if "enum" in schema:
        return schema["enum"][0]
    if "date-time" in kinds:
        return "2026-03-01T10:00:00Z"
    if "date" in kinds:
        return "2026-03-01"
    if "boolean" in kinds:
        return True
    if "integer" in kinds:
        return 3
    if "number" in kinds:
        return "12.50"
    if "array" in kinds:
        return []
    return f"{name}-1"


def sample_payload(event_type: str) -> dict[str, Any]:
    model = by_type()[event_type].model
    schema = model.model_json_schema()
    data = {name: _value(name, prop) for name, prop in schema["properties"].items()}
    if "results" in data:
        data["results"] = [{"resolution_id": "r-1", "number": 1, "text": "Approve the accounts", "majority": "simple",
                            "ballot": "open", "votes_for": 10, "votes_against": 2, "abstentions": 1,
                            "participants": 13, "quorum_required": 0, "quorum_reached": True, "adopted": True,
                            "reason": "adopted"}]
    return model.model_validate(data).model_dump(mode="json")
