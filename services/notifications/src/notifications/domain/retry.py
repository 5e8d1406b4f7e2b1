"""Retry schedule of deliveries (e-mails, webhooks): exponential back-off,
capped, with a bounded number of attempts before the delivery is parked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    factor: float = 2.0
    max_seconds: float = 3600.0
    # Spread of retries (fraction of the delay) so endpoints that come back are
    # not hit by every waiting delivery in the same second.
    jitter: float = 0.0

    def delay_after(self, attempts_made: int, rand: float = 0.5) -> float:
        """Seconds to wait after the ``attempts_made``-th failed attempt (≥ 1).
        ``rand`` in [0, 1] places the delay inside the jitter band."""
        exponent = min(max(attempts_made, 1) - 1, 64)  # bounded: no overflow for absurd counts
        delay = min(self.base_seconds * self.factor**exponent, self.max_seconds)
        return max(0.0, delay * (1 + self.jitter * (2 * rand - 1)))

    def next_delay(self, attempts_made: int, rand: float = 0.5) -> float | None:
        """The wait before the next attempt, or None when the delivery must be parked."""
        if attempts_made >= self.max_attempts:
            return None
        return self.delay_after(attempts_made, rand)

    def schedule(self) -> list[float]:
        """Every wait between attempts, without jitter (documentation, tests)."""
        return [self.delay_after(n) for n in range(1, self.max_attempts)]
