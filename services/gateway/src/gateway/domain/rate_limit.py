"""What a rate limit answers, and what a limiter is.

The limiters are the ``limits`` library's moving window (gateway.adapters.rate_limits),
counted in memory or, so that N gateway replicas enforce one limit, in MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds; 0 when allowed
    # For the RateLimit headers (IETF draft): the quota, what is left, seconds until it refills.
    limit: int = 0
    remaining: int = 0
    reset: int = 0


class RateLimiter(Protocol):
    window_seconds: float

    async def hit(self, key: str) -> Decision: ...
