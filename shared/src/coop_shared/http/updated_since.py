"""``updated_since``: what changed since a moment, for integrators that sync.

A client keeps the time at which it *started* its last sync and asks again
with ``updated_since`` = that time, following ``next_cursor`` to the end: a
record changed while it was paging is then seen again on the next sync,
never missed. The query side is ``coop_shared.persistence.changes``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from coop_shared.http.errors import ApiError


def updated_since_param(updated_since: Annotated[datetime | None, Query(
        description="Only what was created or changed at or after this moment (ISO 8601 with a time zone, "
                    "e.g. 2026-12-01T00:00:00Z). Keep the time your last sync started and pass it here.")] = None,
                        ) -> datetime | None:
    if updated_since is not None and updated_since.tzinfo is None:
        raise ApiError(422, "validation_error", "updated_since needs a time zone, e.g. 2026-12-01T00:00:00Z.",
                       field="updated_since")
    return updated_since


UpdatedSince = Annotated[datetime | None, Depends(updated_since_param)]

