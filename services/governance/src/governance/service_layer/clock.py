"""Time, injected: the voting window is enforced against ``Clock.now()``.

The service runs on the shared ``SystemClock``. Tests (and rehearsals of an
assembly) pass a ``FixedClock`` to ``create_app`` and move it explicitly, so
every window rule is exercised without sleeping; the voting-deadlines job
reads the same clock.
"""

from __future__ import annotations

from coop_shared.clock import Clock, SystemClock, to_millis
from coop_shared.clock import FakeClock as FixedClock

__all__ = ["Clock", "FixedClock", "SystemClock", "to_millis"]
