"""Days as the services count them, for tests that talk to a running service.

A service's "today" is the calendar day in the cooperative's zone; the machine's
``date.today()`` (UTC on most CI hosts) is the day before for the last hour or two
of every Belgian day, and a test built on it fails only when run then.
"""

from __future__ import annotations

from datetime import date

from coop_shared.clock import SystemClock


def cooperative_today() -> date:
    return SystemClock().today()
