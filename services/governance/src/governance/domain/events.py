"""Domain events raised by governance entities.

The service layer turns them into integration events (``governance.*.v1``)
written to the outbox with the change that caused them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from governance.domain.lifecycle import AssemblyKind


@dataclass(frozen=True, slots=True)
class DomainEvent:
    pass


@dataclass(frozen=True, slots=True)
class AssemblyConvened(DomainEvent):
    assembly_id: str
    kind: AssemblyKind
    electorate_size: int
    at: datetime


@dataclass(frozen=True, slots=True)
class VotingOpened(DomainEvent):
    assembly_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class VotingClosed(DomainEvent):
    assembly_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ResultsPublished(DomainEvent):
    assembly_id: str
    at: datetime
    adopted: tuple[str, ...]
    rejected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecommendationStatusChanged(DomainEvent):
    recommendation_id: str
    from_status: str
    to_status: str
    at: datetime
