"""The services' OpenAPI documents as last read, and their combination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.service_layer.api_document import Spec


@dataclass
class DocumentCache:
    specs: dict[str, tuple[Spec, float]] = field(default_factory=dict)
    combined: tuple[tuple[Any, ...], Spec] | None = None
