"""Consumer views: the one way a service reads another service's events.

A consumer parses an event with ``envelope.payload(View)``, where ``View`` is
either the producer's contract class or, when the consumer reads only a few
fields, its own ``ConsumerView`` naming exactly those fields (extra fields
are ignored, so a producer may add optional ones without touching it). A
view is only honest while every field it reads is produced under the types
it is used for and the catalogue names the consumer: ``view_problems`` says
what is not, and each consuming service asserts it is empty in a unit test.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from coop_shared.contracts import by_type
from coop_shared.messaging.envelope import EventPayload


class ConsumerView(EventPayload):
    """A consumer's reading of one or more event types (no ``event_type`` of its own)."""


def view_problems(view: type[BaseModel], event_types: Iterable[str], *, consumer: str) -> list[str]:
    """Why ``view`` would misread ``event_types`` for ``consumer``; empty when it reads them faithfully.

    A required field must be produced under every one of the types; an
    optional one under at least one of them (``role`` only on registration,
    say), or it would always read as its default.
    """
    catalogue = by_type()
    problems: list[str] = []
    produced_somewhere: set[str] = set()
    types = list(event_types)
    for event_type in types:
        contract = catalogue.get(event_type)
        if contract is None:
            problems.append(f"{event_type}: no such contract")
            continue
        if consumer not in contract.consumers:
            problems.append(f"{event_type}: the contract does not name {consumer} as a consumer")
        produced = set(contract.model.model_fields)
        produced_somewhere |= produced
        problems += [f"{event_type}: {view.__name__}.{name} is required but not produced"
                     for name, field in view.model_fields.items() if field.is_required() and name not in produced]
    problems += [f"{', '.join(types)}: {view.__name__}.{name} is never produced (always its default)"
                 for name, field in view.model_fields.items()
                 if not field.is_required() and name not in produced_somewhere]
    return problems
