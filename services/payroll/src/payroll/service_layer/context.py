"""What the use cases share besides the runtime: the rules in force and the clock.

The clock is injectable because the law cares about days: a Dimona must
exist before the first work day, a payslip only after the last one. Tests
move the clock instead of waiting for a week to pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from payroll.config import PayrollSettings
from payroll.domain.contracts import BRUSSELS
from payroll.domain.rules import RuleBook


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PayrollContext:
    settings: PayrollSettings
    rules: RuleBook
    clock: Callable[[], datetime] = field(default=_utc_now)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Brussels: work days are Belgian calendar days."""
        return self.clock().astimezone(BRUSSELS).date()
